/*
 * Unit tests of a running branch taking up a configuration bundle
 * (rk_branch_config_refresh, branch.h): the bundle put in force as rasync's
 * sync_config leaves it (<data_dir>/config/N, the `current` link, the
 * database's sync.config_version, written by another connection), and the
 * branches that had their rules loaded before: nothing changes until the
 * refresh between operations, then the quote is the new fee; a form taken
 * before stays readable; a branch opened afterwards reads the bundle at
 * once; a bundle whose rules do not load leaves the ones in force and is
 * not tried again on every operation. rasync's daemon ledger
 * (rk_sync_branch_refresh) takes it up between passes the same way.
 */
#include "ledger_fixture.h"

#include "branch/branch.h"
#include "branch/selfservice.h"
#include "branch/sync_pass.h"
#include "util/buf.h"
#include "util/file.h"

#include <sys/stat.h>
#include <unistd.h>

static rk_branch *open_branch(void)
{
    char path[600];
    rk_conf *c;
    rk_branch *out = NULL;
    static rk_branch_env env; /* nothing from the environment */
    snprintf(path, sizeof path, "%s/conf/kiosk.conf", getenv("RK_SOURCE_DIR"));
    if (rk_conf_load(&c, path)) {
        fprintf(stderr, "%s\n", rk_err_msg());
        exit(2);
    }
    c->kdf_log2_n = 14;
    const rk_branch_opts opts = {.conf = c, .env = &env};
    if (rk_branch_open(&out, &opts)) {
        fprintf(stderr, "branch: %s\n", rk_err_msg());
        exit(2);
    }
    return out;
}

static int64_t ledger_quote(const rk_ledger *led)
{
    rk_fee_quote q;
    rk_fee_request req;
    memset(&req, 0, sizeof req);
    req.business = "new";
    req.cert_kind = "individual";
    req.medium = "ukey";
    req.now = rk_clock_now();
    return rk_fees_quote(led->fees, &req, &q) == 0 ? q.total_fen : -1;
}

static int64_t quote(rk_branch *br)
{
    rk_fee_quote q;
    if (rk_branch_ss_quote(br, "individual", "new", &q) != 0) return -1;
    return q.total_fen;
}

/* Bundle version with fees.ini as given (NULL: the shipped one with the
 * individual certificate at 150.00), put in force as sync_config does. */
static void install(int version, const char *fees)
{
    char d[600], p[700], link[600], tmp[600], v[16];
    rk_buf b;
    rk_buf_init(&b, 1 << 20);
    if (!fees) {
        snprintf(p, sizeof p, "%s/conf/fees.ini", getenv("RK_SOURCE_DIR"));
        if (rk_file_read(&b, p)) exit(2);
        char *at = strstr(b.data, "individual = 100.00");
        if (!at) exit(2);
        memcpy(at, "individual = 150.00", 19);
        fees = b.data;
    }
    snprintf(d, sizeof d, "%s/config", dir);
    mkdir(d, 0755);
    snprintf(d, sizeof d, "%s/config/%d", dir, version);
    mkdir(d, 0755);
    snprintf(p, sizeof p, "%s/fees.ini", d);
    CHECK_INT(rk_file_write_atomic(p, (const unsigned char *)fees, strlen(fees), 0644), 0);
    snprintf(v, sizeof v, "%d", version);
    snprintf(tmp, sizeof tmp, "%s/config/.current", dir);
    snprintf(link, sizeof link, "%s/config/current", dir);
    unlink(tmp);
    CHECK_INT(symlink(v, tmp), 0);
    CHECK_INT(rename(tmp, link), 0);
    CHECK_INT(rk_db_meta_set(db, "sync.config_version", v), 0);
    rk_buf_free(&b);
}

int main(void)
{
    rk_clock_set(test_clock, NULL);
    at("2026-03-02T10:00:00");
    ledger_setup("boss");
    (void)clerk; /* the fixture's, not needed here */
    (void)count;

    rk_branch *ui = open_branch(), *worker = open_branch(), *idle = open_branch();
    rk_db *idle_db;
    rk_sync_branch sb;
    char cpath[600];
    snprintf(cpath, sizeof cpath, "%s/conf/kiosk.conf", getenv("RK_SOURCE_DIR"));
    CHECK_INT(rk_sync_branch_open(&sb, cpath), 0);
    CHECK_INT(ledger_quote(sb.ledger), 18000);
    CHECK_INT(rk_sync_branch_refresh(&sb), 0);
    CHECK_INT(quote(ui), 18000);
    CHECK_INT(quote(worker), 18000);
    CHECK_INT(rk_branch_db(idle, &idle_db), 0); /* the database, but no rules yet */
    CHECK_INT((int)rk_branch_config_version(ui), 0);
    CHECK_INT(rk_branch_config_refresh(ui), 0); /* nothing newer */
    rk_form form;
    CHECK_INT(rk_branch_ss_form(ui, "individual", "new", &form), 0);
    const char *first = form.fields[0].def->name;
    char want[64];
    snprintf(want, sizeof want, "%s", first);

    install(1, NULL);
    /* Nothing changes under a branch until it asks between operations. */
    CHECK_INT(quote(ui), 18000);
    CHECK_INT(rk_branch_config_refresh(ui), 1);
    CHECK_INT(quote(ui), 23000);
    CHECK_INT((int)rk_branch_config_version(ui), 1);
    CHECK_INT(rk_branch_config_refresh(ui), 0);
    /* The form taken before the bundle is still there to read. */
    CHECK_STR(first, want);
    /* Every connection takes it up: the worker's, and one that had opened
     * only its database. */
    CHECK_INT(quote(worker), 18000);
    CHECK_INT(rk_branch_config_refresh(worker), 1);
    CHECK_INT(quote(worker), 23000);
    CHECK_INT(rk_branch_config_refresh(idle), 0);
    CHECK_INT(quote(idle), 23000);
    CHECK_INT((int)rk_branch_config_version(idle), 1);
    /* The sync daemon's ledger, between passes. */
    CHECK_INT(ledger_quote(sb.ledger), 18000);
    CHECK_INT(rk_sync_branch_refresh(&sb), 1);
    CHECK_INT(ledger_quote(sb.ledger), 23000);
    CHECK_INT(rk_sync_branch_refresh(&sb), 0);
    /* A branch opened now reads the bundle in force at once. */
    rk_branch *late = open_branch();
    CHECK_INT(quote(late), 23000);
    CHECK_INT(rk_branch_config_refresh(late), 0);
    rk_branch_close(late);

    /* Rules that do not load: refused, the ones in force stay, and the
     * next operation does not try again. */
    install(2, "[certificate]\nindividual = lots\n");
    CHECK(rk_branch_config_refresh(ui) < 0);
    CHECK(strstr(rk_err_msg(), "the rules in force stay") != NULL);
    CHECK_INT(quote(ui), 23000);
    CHECK_INT(rk_branch_config_refresh(ui), 0);
    CHECK(rk_sync_branch_refresh(&sb) < 0);
    CHECK_INT(ledger_quote(sb.ledger), 23000);
    CHECK_INT(rk_sync_branch_refresh(&sb), 0);

    /* A newer good one after it is taken up. */
    install(3, NULL);
    CHECK_INT(rk_branch_config_refresh(ui), 1);
    CHECK_INT(quote(ui), 23000);
    CHECK_INT((int)rk_branch_config_version(ui), 3);

    CHECK_INT(rk_sync_branch_refresh(&sb), 1);
    rk_sync_branch_close(&sb);
    rk_branch_close(ui);
    rk_branch_close(worker);
    rk_branch_close(idle);
    rk_ledger_free(l);
    rk_db_close(db);
    rk_conf_free(conf);
    rk_test_rmtree(dir);
    return rk_test_done();
}
