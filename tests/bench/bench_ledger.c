/*
 * Benchmark of the order ledger (issue 3's targets):
 *   1. capture + submit throughput with full durability (synchronous=FULL,
 *      one transaction per order with its audit entry and outbox events):
 *      target >= 2,000 orders/s;
 *   2. clerk-queue query latency (oldest 50 submitted orders) and the
 *      overdue list with 1,000,000 orders in the database: target <= 5 ms;
 *   3. finding a subscriber's orders (rk_order_find: by exact name, by ID
 *      number through the blind index, by a certificate's serial) in the
 *      same database: no target, the counter's lookup while the subscriber
 *      waits.
 * Prints figures; asserts nothing. Usage: bench_ledger [ORDERS] [BIG]
 * (defaults 5000 and 1000000). Uses the shipped demo rules in conf/.
 */
#include "conf/conf.h"
#include "db/db.h"
#include "domain/clerk.h"
#include "domain/ledger.h"
#include "domain/order.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/seal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double secs(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_ledger: %s: %s\n", what, rk_err_msg());
    exit(1);
}

int main(int argc, char **argv)
{
    int orders = argc > 1 ? atoi(argv[1]) : 5000;
    int big = argc > 2 ? atoi(argv[2]) : 1000000;
    char dir[] = "/tmp/rkbench.XXXXXX", path[600], token[RK_SESSION_TOKEN_LEN + 1];
    unsigned char key[32];
    rk_conf *conf;
    rk_db *db;
    rk_ledger *l;
    rk_actor boss, lily;

    if (!mkdtemp(dir)) return 1;
    setenv("RAKIOSK_DATA_DIR", dir, 1);
    const char *src = getenv("RK_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/conf/kiosk.conf", src ? src : RK_SOURCE_CONFDIR "/..");
    if (rk_conf_load(&conf, path)) die("configuration");
    conf->kdf_log2_n = 14;
    snprintf(path, sizeof path, "%s/data.key", dir);
    if (rk_seal_key_load(key, path, 1) || rk_db_open(&db, conf->database, RK_DB_CREATE) ||
        rk_db_migrate(db, 0, NULL, NULL) || rk_ledger_open(&l, db, conf))
        die("setup");
    if (rk_clerk_add(db, conf, NULL, "boss", "boss", RK_ROLE_SUPERVISOR, "password1", NULL) ||
        rk_clerk_login(db, conf, "boss", "password1", token, &boss) ||
        rk_clerk_add(db, conf, &boss, "lily", "lily", RK_ROLE_ENTRY, "password1", NULL) ||
        rk_clerk_login(db, conf, "lily", "password1", token, &lily))
        die("clerks");

    /* 1. Capture + submit, one durable transaction per order. */
    const char *names[] = {"applicant_name", "applicant_id", "applicant_mobile",
                           "email",          "invoice_type", "delivery"};
    const char *values[] = {"王小明",           "11010519491231002X", "13800138000",
                            "wang@example.com", "ordinary",           "pickup"};
    const char *paper[] = {"application_form", "id_card"};
    rk_order_spec spec = {.business = "new",
                          .subscriber = "individual",
                          .names = names,
                          .values = values,
                          .n = 6,
                          .paper_docs = paper,
                          .n_paper = 2,
                          .submit = 1};
    const char *pragma = getenv("BENCH_PRAGMA"); /* for experiments */
    if (pragma && rk_db_exec(db, pragma)) die("pragma");
    double t0 = secs();
    for (int i = 0; i < orders; i++)
        if (rk_order_new(l, &lily, &spec, NULL)) die("capture");
    double dt = secs() - t0;
    printf("capture+submit: %d orders in %.2f s = %.0f orders/s (target >= 2000), "
           "synchronous=FULL, one transaction each with audit entry and outbox event\n",
           orders, dt, orders / dt);

    /* 1b. The same in batches of 50 orders per durable transaction (the sync
     *     daemon's import of online orders; bulk capture). */
    enum { BATCH = 50 };
    static rk_order_spec batch[BATCH];
    for (int i = 0; i < BATCH; i++)
        batch[i] = spec;
    t0 = secs();
    int done_n = 0;
    for (; done_n + BATCH <= orders; done_n += BATCH)
        if (rk_order_new_batch(l, &lily, batch, BATCH, NULL)) die("batch capture");
    dt = secs() - t0;
    printf("capture+submit in batches of %d: %d orders in %.2f s = %.0f orders/s (target >= "
           "2000), synchronous=FULL, each batch one durable transaction\n",
           BATCH, done_n, dt, done_n / dt);
    orders += done_n;

    /* 2. Fill to BIG orders (fast bulk path, not the measured one), then
     *    time the clerk queue and the overdue list. */
    double f0 = secs();
    rk_db_exec(db, "PRAGMA synchronous=OFF");
    sqlite3_stmt *st;
    if (rk_db_prepare(
            db, &st,
            "INSERT INTO orders(uuid, ref, business, subscriber, cert_kind, state, "
            "subject_name, fields, created_at, submitted_at, due_at, closed_at, "
            "updated_at) "
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1) "
            "SELECT 'bulk-' || i, 'B' || i, 'new', 'individual', 'individual', "
            "CASE WHEN i % 50 = 0 THEN 'submitted' WHEN i % 50 = 1 THEN 'approved' "
            "ELSE 'delivered' END, 'subject ' || i, x'00', ?2 - i, ?2 - i, "
            "?2 - i + 432000, CASE WHEN i % 50 < 2 THEN NULL ELSE ?2 END, ?2 FROM n"))
        die("bulk prepare");
    int64_t now = rk_clock_now();
    sqlite3_bind_int(st, 1, big - orders);
    sqlite3_bind_int64(st, 2, now);
    rk_db_exec(db, "BEGIN");
    if (sqlite3_step(st) != SQLITE_DONE) die("bulk insert");
    sqlite3_finalize(st);
    rk_db_exec(db, "COMMIT");
    rk_db_exec(db, "PRAGMA synchronous=FULL; ANALYZE");
    printf("filled to %d orders in %.1f s (bulk SQL, not measured)\n", big, secs() - f0);

    enum { RUNS = 1000 };
    static double lat[RUNS];
    const char *names2[] = {"queue (oldest 50 submitted)", "overdue list (first 50)"};
    for (int q = 0; q < 2; q++) {
        rk_order_filter f = {.state = q == 0 ? "submitted" : NULL, .overdue = q == 1, .limit = 50};
        for (int i = 0; i < RUNS; i++) {
            rk_order_row *rows;
            int n;
            double a = secs();
            if (rk_order_list(l, &f, &rows, &n)) die("list");
            lat[i] = (secs() - a) * 1000;
            free(rows);
            if (n != 50 && big >= 100000) die("short list");
        }
        qsort(lat, RUNS, sizeof lat[0], cmp_double);
        printf("%s with %d orders: p50 %.3f ms, p99 %.3f ms, max %.3f ms (target <= 5 ms)\n",
               names2[q], big, lat[RUNS / 2], lat[RUNS * 99 / 100], lat[RUNS - 1]);
    }
    /* 3. Finding a subscriber's orders. */
    const char *finds[][2] = {{"find by name", "王小明"},
                              {"find by ID number", "11010519491231002X"},
                              {"find by serial", "0A1B2C3D4E5F"}};
    for (int q = 0; q < 3; q++) {
        int runs = RUNS / 10, n = 0;
        for (int i = 0; i < runs; i++) {
            rk_order_row *rows;
            double a = secs();
            if (rk_order_find(l, finds[q][1], 50, &rows, &n)) die("find");
            lat[i] = (secs() - a) * 1000;
            free(rows);
        }
        qsort(lat, (size_t)runs, sizeof lat[0], cmp_double);
        printf("%s with %d orders (%d found, at most 50): p50 %.3f ms, p99 %.3f ms\n", finds[q][0],
               big, n, lat[runs / 2], lat[runs * 99 / 100]);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak RSS %.1f MB\n", ru.ru_maxrss / 1024.0);
    rk_ledger_free(l);
    rk_db_close(db);
    rk_conf_free(conf);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : 1;
}
