/*
 * HQ's view of the branches' incidents (see incidents.h): the newest event
 * of each, read with jansson, its ladder computed by the domain module.
 */
#include "hq/incidents.h"
#include "hq/payload.h"

#include "util/err.h"
#include "util/log.h"
#include "util/utf8.h"

#include <jansson.h>

#include <stdlib.h>
#include <string.h>

int rk_hq_incidents(rk_hq_store *s, int open_only, int64_t now, rk_hq_incident **out, int *n)
{
    rk_hq_entity *e;
    int k, rc;
    *out = NULL;
    *n = 0;
    if ((rc = s->ops->entity_latest(s, "incident", &e, &k)) != 0) return rc;
    if (k && !(*out = calloc((size_t)k, sizeof **out))) {
        rk_hq_entities_free(e, k);
        return rk_err_oom();
    }
    for (int i = 0; i < k; i++) {
        rk_hq_incident *h = &(*out)[*n];
        json_t *p = json_loads(e[i].payload, 0, NULL);
        memset(h, 0, sizeof *h);
        snprintf(h->branch, sizeof h->branch, "%s", e[i].branch);
        snprintf(h->x.uuid, sizeof h->x.uuid, "%s", e[i].entity_id);
        char level[16];
        rk_hq_payload_text(level, sizeof level, p, "level");
        h->x.level = rk_incident_level(level);
        if (!json_is_object(p) || !h->x.level) {
            rk_log_warn("rahq: %s: incident %s: event %lld holds no incident", e[i].branch,
                        e[i].entity_id, (long long)e[i].seq);
            json_decref(p);
            continue;
        }
        rk_hq_payload_text(h->x.affected, sizeof h->x.affected, p, "affected");
        rk_hq_payload_text(h->x.summary, sizeof h->x.summary, p, "summary");
        rk_hq_payload_text(h->x.opened_by, sizeof h->x.opened_by, p, "opened_by");
        rk_hq_payload_text(h->x.resolution, sizeof h->x.resolution, p, "resolution");
        h->x.opened_at = rk_hq_payload_num(p, "opened_at");
        h->x.contacted_at = rk_hq_payload_num(p, "contacted_at");
        h->x.closed_at = rk_hq_payload_num(p, "closed_at");
        json_decref(p);
        rk_incident_escalation(&h->st, h->x.level, h->x.opened_at, h->x.contacted_at,
                               h->x.closed_at, now);
        if (open_only && !h->st.open) continue;
        (*n)++;
    }
    rk_hq_entities_free(e, k);
    return 0;
}
