/*
 * Unit tests of incidents (domain/incident.h): the escalation ladder of
 * each level on an injected clock (just before and at 1, 2, 8, 12 and 24
 * hours), first contact on time or late, a closed incident's ladder
 * stopped; and the table: open, contact, close, refusals that change
 * nothing, and the outbox events the sync pushes to HQ.
 */
#include "test.h"

#include "db/db.h"
#include "db/outbox.h"
#include "domain/incident.h"
#include "util/err.h"

#define H 3600

static rk_incident_state at(int level, int64_t opened, int64_t contacted, int64_t closed,
                            int64_t now)
{
    rk_incident_state s;
    CHECK_INT(rk_incident_escalation(&s, level, opened, contacted, closed, now), 0);
    return s;
}

static void test_urgent(void)
{
    const int64_t t0 = 1780000000;
    rk_incident_state s = at(RK_INCIDENT_URGENT, t0, 0, 0, t0);
    CHECK_INT(s.rung, 0);
    CHECK_STR(s.role, "");
    CHECK_INT(s.next_at, t0 + 2 * H);
    CHECK_STR(s.next_role, "account manager");
    CHECK_INT(s.contact_overdue, 0);

    s = at(RK_INCIDENT_URGENT, t0, 0, 0, t0 + 2 * H - 1);
    CHECK_INT(s.rung, 0);
    CHECK_INT(s.contact_overdue, 1); /* no contact within the hour */
    s = at(RK_INCIDENT_URGENT, t0, 0, 0, t0 + 2 * H);
    CHECK_INT(s.rung, 1);
    CHECK_STR(s.role, "account manager");
    CHECK_STR(s.next_role, "support manager");
    CHECK_INT(s.next_at, t0 + 8 * H);
    s = at(RK_INCIDENT_URGENT, t0, 0, 0, t0 + 8 * H - 1);
    CHECK_INT(s.rung, 1);
    s = at(RK_INCIDENT_URGENT, t0, 0, 0, t0 + 8 * H);
    CHECK_INT(s.rung, 2);
    CHECK_STR(s.role, "support manager");
    CHECK_INT(s.next_at, t0 + 12 * H);
    s = at(RK_INCIDENT_URGENT, t0, 0, 0, t0 + 12 * H);
    CHECK_INT(s.rung, 3);
    CHECK_STR(s.role, "technical director");
    CHECK_STR(s.next_role, "president");
    CHECK_INT(s.next_at, t0 + 24 * H);
    CHECK_INT(s.solution_overdue, 0);
    s = at(RK_INCIDENT_URGENT, t0, 0, 0, t0 + 24 * H - 1);
    CHECK_INT(s.rung, 3);
    s = at(RK_INCIDENT_URGENT, t0, 0, 0, t0 + 24 * H);
    CHECK_INT(s.rung, 4);
    CHECK_STR(s.role, "president");
    CHECK_INT(s.next_at, 0);
    CHECK_STR(s.next_role, "");
    s = at(RK_INCIDENT_URGENT, t0, 0, 0, t0 + 24 * H + 1);
    CHECK_INT(s.solution_overdue, 1);
    CHECK_INT(s.open, 1);
}

static void test_levels(void)
{
    const int64_t t0 = 1780000000;
    /* serious starts at 8 h with the account manager */
    rk_incident_state s = at(RK_INCIDENT_SERIOUS, t0, t0 + 600, 0, t0 + 2 * H);
    CHECK_INT(s.rung, 0);
    CHECK_INT(s.next_at, t0 + 8 * H);
    CHECK_STR(s.next_role, "account manager");
    CHECK_INT(s.contact_overdue, 0); /* contacted after 10 minutes */
    s = at(RK_INCIDENT_SERIOUS, t0, 0, 0, t0 + 8 * H);
    CHECK_STR(s.role, "account manager");
    s = at(RK_INCIDENT_SERIOUS, t0, 0, 0, t0 + 12 * H);
    CHECK_STR(s.role, "support manager");
    s = at(RK_INCIDENT_SERIOUS, t0, 0, 0, t0 + 24 * H);
    CHECK_INT(s.rung, 3);
    CHECK_STR(s.role, "technical director");
    CHECK_INT(s.next_at, 0);
    /* general at 12 h */
    s = at(RK_INCIDENT_GENERAL, t0, 0, 0, t0 + 8 * H);
    CHECK_INT(s.rung, 0);
    CHECK_INT(s.next_at, t0 + 12 * H);
    s = at(RK_INCIDENT_GENERAL, t0, 0, 0, t0 + 12 * H);
    CHECK_STR(s.role, "account manager");
    s = at(RK_INCIDENT_GENERAL, t0, 0, 0, t0 + 24 * H);
    CHECK_STR(s.role, "support manager");
    CHECK_INT(s.rung, 2);
    /* late contact is still overdue; closing stops the ladder */
    s = at(RK_INCIDENT_URGENT, t0, t0 + 2 * H, 0, t0 + 3 * H);
    CHECK_INT(s.contact_overdue, 1);
    s = at(RK_INCIDENT_URGENT, t0, t0 + 1800, t0 + 3 * H, t0 + 30 * H);
    CHECK_INT(s.open, 0);
    CHECK_INT(s.rung, 1);
    CHECK_INT(s.next_at, 0);
    CHECK_INT(s.solution_overdue, 0);
    CHECK_INT(s.contact_overdue, 0);
    CHECK_INT(rk_incident_escalation(&s, 0, t0, 0, 0, t0), RK_EINVAL);
    CHECK_INT(rk_incident_level("urgent"), RK_INCIDENT_URGENT);
    CHECK_INT(rk_incident_level("general"), RK_INCIDENT_GENERAL);
    CHECK_INT(rk_incident_level("Urgent"), 0);
    CHECK_INT(rk_incident_level(NULL), 0);
}

static void test_table(rk_db *db)
{
    rk_actor a = {.clerk_id = 1, .login = "boss", .roles = 0};
    rk_incident x, y;
    const int64_t t0 = 1780000000;
    CHECK_INT(rk_db_begin(db), 0);
    CHECK_INT(
        rk_incident_open(db, &a, RK_INCIDENT_URGENT, "证书发放服务", "RA 不能发放证书", t0, &x), 0);
    CHECK_INT(rk_db_commit(db), 0);
    CHECK_INT(rk_incident_get(db, x.uuid, &y), 0);
    CHECK_STR(y.affected, "证书发放服务");
    CHECK_INT(y.level, RK_INCIDENT_URGENT);
    CHECK_INT(y.opened_at, t0);
    CHECK_STR(y.opened_by, "boss");

    CHECK_INT(rk_db_begin(db), 0);
    CHECK_INT(rk_incident_open(db, &a, RK_INCIDENT_URGENT, "", "x", t0, NULL), RK_EINVAL);
    CHECK_INT(rk_incident_open(db, &a, 7, "a", "x", t0, NULL), RK_EINVAL);
    CHECK_INT(rk_incident_open(db, &a, 1, "a", "\xff\xfe", t0, NULL), RK_EINVAL);
    CHECK_INT(rk_incident_contact(db, &a, x.uuid, t0 + 1200, &y), 0);
    CHECK_INT(rk_incident_contact(db, &a, x.uuid, t0 + 1300, NULL), RK_ESTATE);
    CHECK_INT(rk_incident_contact(db, &a, "no-such", t0, NULL), RK_ENOTFOUND);
    CHECK_INT(rk_incident_close(db, &a, x.uuid, "", t0 + 5 * H, NULL), RK_EINVAL);
    CHECK_INT(rk_incident_close(db, &a, x.uuid, "备用服务器接管", t0 + 5 * H, &y), 0);
    CHECK_INT(rk_incident_close(db, &a, x.uuid, "again", t0 + 6 * H, NULL), RK_ESTATE);
    CHECK_INT(rk_db_commit(db), 0);

    rk_incident *list;
    int n;
    CHECK_INT(rk_incident_list(db, 1, &list, &n), 0);
    CHECK_INT(n, 0);
    free(list);
    CHECK_INT(rk_incident_list(db, 0, &list, &n), 0);
    CHECK_INT(n, 1);
    if (n == 1) {
        CHECK_INT(list[0].contacted_at, t0 + 1200);
        CHECK_INT(list[0].closed_at, t0 + 5 * H);
        CHECK_STR(list[0].resolution, "备用服务器接管");
    }
    free(list);

    rk_outbox_event ev[4];
    CHECK_INT(rk_outbox_entity(db, ev, 4, &n, "incident", x.uuid, 0), 0);
    CHECK_INT(n, 3);
    if (n == 3) {
        CHECK_STR(ev[0].kind, "incident.opened");
        CHECK_STR(ev[1].kind, "incident.contacted");
        CHECK_STR(ev[2].kind, "incident.closed");
        CHECK(strstr(ev[0].payload, "\"level\":\"urgent\"") != NULL);
        CHECK(strstr(ev[2].payload, "\"closed_at\":") != NULL);
    }
    for (int i = 0; i < n; i++)
        rk_outbox_event_clear(&ev[i]);
}

int main(void)
{
    char dir[256], path[300];
    rk_db *db;
    test_urgent();
    test_levels();
    rk_test_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/t.db", dir);
    if (rk_db_open(&db, path, RK_DB_CREATE) || rk_db_migrate(db, 0, NULL, NULL)) {
        fprintf(stderr, "db: %s\n", rk_err_msg());
        return 2;
    }
    test_table(db);
    rk_db_close(db);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dir);
    return rk_test_done();
}
