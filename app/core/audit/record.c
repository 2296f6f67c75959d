/*
 * Audit entry + outbox event of a change (see record.h).
 */
#include "audit/record.h"

#include "db/outbox.h"
#include "util/err.h"

int rk_record_add(rk_db *db, const rk_record *r)
{
    if (!rk_db_in_tx(db))
        return rk_err_set(RK_EINTERNAL, "a record of %s outside a transaction", r->action);
    rk_audit_entry e = {r->actor && *r->actor ? r->actor : "system",
                        r->role,
                        r->action,
                        r->order_id,
                        r->before,
                        r->after,
                        r->detail};
    int rc = rk_audit_append(db, &e, NULL);
    if (rc || !r->entity) return rc;
    return rk_outbox_add(db, NULL, r->entity, r->entity_id, r->kind ? r->kind : r->action,
                         r->payload ? r->payload : r->after);
}

int rk_record_once(rk_db *db, const rk_record *r)
{
    int rc = rk_db_begin(db);
    if (rc) return rc;
    return rk_db_end(db, rk_record_add(db, r));
}
