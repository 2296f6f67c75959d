/*
 * Benchmark: a fleet night (issue 16). BRANCHES simulated branches (default
 * 1,000) each push EVENTS outbox events (default 200: orders created,
 * submitted, paid and issued) concurrently into rahq on PostgreSQL, over
 * HTTPS with each branch's own device certificate, in batches of BATCH
 * (default 50), each branch's next batch sent when the last is
 * acknowledged. Then the same rows go into the same database as a bare
 * batched INSERT (same batch size, as many connections as rahq's store
 * pool, each batch its own transaction).
 *
 * Every branch's request bodies are written and its credentials parsed
 * before the clock starts (a branch's outbox is ready when its night
 * begins), so the branches' side of the timed run is what a real branch
 * does: TLS and HTTP, all the branches on one epoll loop, each from its own
 * loopback address.
 *
 * Prints: events/s through rahq, p50/p99 push latency, the bare INSERT's
 * rows/s and the ratio of the two times (target <= 3x); the load average
 * when each part starts; the CPU seconds each side spent (rahq, the
 * PostgreSQL server's processes, this process: the branches' TLS, or the
 * bare INSERT's client) and their ratio, which the machine's other load
 * disturbs far less than the times; and the commit ceiling: as many empty
 * durable commits as there are pushes, over the same connections, timed in
 * the same run (the floor no store can go below); and the rows sequential
 * scans read from the push's tables (0: the plans went by index). A push
 * that fails (a connection reset under the load) is sent again as rasync
 * would, up to five times, and counted; its latency runs from the first
 * attempt. Checks that HQ holds exactly BRANCHES x EVENTS events
 * afterwards; asserts no timing.
 *
 * It starts its own PostgreSQL 15 (tests/sync/pg-lib.bash, durable
 * settings: fsync and synchronous_commit on) and rahq (this build's), in a
 * folder under /tmp removed at the end.
 *
 * usage: bench_fleet [BRANCHES] [EVENTS] [BATCH] [RAHQ_THREADS]
 */
#include "branch/sync_proto.h"
#include "hq/hqca.h"
#include "hq/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/uuid.h"

#include <curl/curl.h>
#include <libpq-fe.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <time.h>
#include <unistd.h>

#ifndef RK_BENCH_RAHQ
#define RK_BENCH_RAHQ RK_BENCH_BUILD_DIR "/sync/hq/rahq"
#endif
#define POOL 8 /* store_pg.c's connections */

static char dir[64], pg_dir[256], pg_url[256];

static double secs(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- CPU accounting ------------------------------------------------------------------- */

/* The user + system CPU seconds process pid has used (0 if it is gone);
 * reaped: with those of its children that have ended and been waited for. */
static double proc_cpu_of(long pid, int reaped)
{
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = '\0';
    const char *p = strrchr(line, ')'); /* the command may hold spaces */
    unsigned long long ut = 0, st = 0;
    long long cut = 0, cst = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %lld %lld", &ut,
                     &st, &cut, &cst) != 4)
        return 0;
    double ticks = (double)(ut + st) + (reaped ? (double)(cut + cst) : 0);
    return ticks / (double)sysconf(_SC_CLK_TCK);
}

static double proc_cpu(long pid)
{
    return proc_cpu_of(pid, 0);
}

/* The CPU seconds of the PostgreSQL server: the postmaster and every
 * process it started (backends, WAL writer, checkpointer ...), those alive
 * now and those that have ended (the postmaster's reaped children: a
 * backend that ends between the two readings of a part would otherwise take
 * its seconds with it). */
static double pg_cpu(void)
{
    char path[300], line[1024];
    long pm = 0;
    snprintf(path, sizeof path, "%s/data/postmaster.pid", pg_dir);
    FILE *f = fopen(path, "r");
    if (!f || fscanf(f, "%ld", &pm) != 1) {
        if (f) fclose(f);
        return 0;
    }
    fclose(f);
    double sum = proc_cpu_of(pm, 1);
    DIR *d = opendir("/proc");
    struct dirent *de;
    while (d && (de = readdir(d))) {
        char *end;
        long pid = strtol(de->d_name, &end, 10);
        if (*end || pid <= 0 || pid == pm) continue;
        snprintf(path, sizeof path, "/proc/%ld/stat", pid);
        if (!(f = fopen(path, "r"))) continue;
        size_t n = fread(line, 1, sizeof line - 1, f);
        fclose(f);
        line[n] = '\0';
        const char *p = strrchr(line, ')');
        long ppid = 0;
        if (p && sscanf(p + 2, "%*c %ld", &ppid) == 1 && ppid == pm) sum += proc_cpu(pid);
    }
    if (d) closedir(d);
    return sum;
}

/* This process's CPU seconds, all threads. */
static double self_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static double load1(void)
{
    double l[1] = {0};
    return getloadavg(l, 1) == 1 ? l[0] : 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void pg_stop(void)
{
    char cmd[1024];
    if (!pg_dir[0]) return;
    snprintf(cmd, sizeof cmd, "bash -c '. %s/tests/sync/pg-lib.bash; PG_DIR=%s; pg_stop'",
             RK_BENCH_SOURCE_DIR, pg_dir);
    if (system(cmd) != 0) fprintf(stderr, "bench_fleet: could not stop PostgreSQL in %s\n", pg_dir);
    pg_dir[0] = '\0';
}

static pid_t rahq_pid;

static void cleanup(void)
{
    char cmd[128];
    if (rahq_pid > 0) {
        kill(rahq_pid, SIGTERM);
        waitpid(rahq_pid, NULL, 0);
        rahq_pid = 0;
    }
    pg_stop();
    if (dir[0]) {
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        if (system(cmd) != 0) fprintf(stderr, "bench_fleet: could not remove %s\n", dir);
    }
}

static void die(const char *what)
{
    fprintf(stderr, "bench_fleet: %s%s%s\n", what, rk_err_msg()[0] ? ": " : "", rk_err_msg());
    cleanup();
    exit(1);
}

/* The events of branch b, seq 1..n: orders of four events each. */
static void make_events(rk_sync_proto_event *ev, int n, const char *branch, int64_t t0)
{
    static const char *const kind[4] = {"order.created", "order.submitted", "order.paid",
                                        "order.issued"};
    static const char *const state[4] = {"captured", "submitted", "paid", "issued"};
    char uuid[RK_UUID_LEN + 1] = "";
    for (int i = 0; i < n; i++) {
        rk_sync_proto_event *e = &ev[i];
        memset(e, 0, sizeof *e);
        if (i % 4 == 0 && rk_uuid_v4(uuid)) die("uuid");
        e->seq = i + 1;
        if (rk_uuid_v4(e->uuid)) die("uuid");
        e->at = t0 + i * 30;
        snprintf(e->entity, sizeof e->entity, "order");
        snprintf(e->entity_id, sizeof e->entity_id, "%s", uuid);
        snprintf(e->kind, sizeof e->kind, "%s", kind[i % 4]);
        char p[256];
        snprintf(p, sizeof p,
                 "{\"branch\":\"%s\",\"business\":\"hk\",\"ref\":\"%s-%05d\",\"state\":\"%s\"}",
                 branch, branch, i / 4 + 1, state[i % 4]);
        if (!(e->payload = strdup(p))) die("out of memory");
    }
}

/* ---- the fleet through rahq ---------------------------------------------------------- */

typedef struct branch_run {
    char id[16];
    X509 *cert;     /* its device certificate */
    char iface[32]; /* its own loopback address, as its own machine would have */
    rk_sync_proto_event *ev;
    int next; /* index of the next event to push */
    int batch;
    rk_buf *req; /* the body of each batch, written before the night */
    rk_buf resp;
    CURL *h;
    struct curl_slist *hdr;
    double sent_at; /* the batch's first attempt */
    int tries;
    int64_t acked;
} branch_run;

static size_t on_body(char *p, size_t sz, size_t n, void *arg)
{
    branch_run *b = arg;
    return rk_buf_append(&b->resp, p, sz * n) ? 0 : sz * n;
}

/* The TLS credentials every branch connection gets: its certificate and
 * the device key, and HQ's CA to verify the server, parsed once before the
 * night. Given to curl as files, each of the night's connections read and
 * decoded them again (OpenSSL 3's decoders): half the CPU of the simulated
 * branches, on the cores rahq and PostgreSQL are measured on, where a real
 * branch pays it once on its own machine. */
static EVP_PKEY *device_key;
static X509 *hq_ca;

static CURLcode on_ssl_ctx(CURL *h, void *sslctx, void *arg)
{
    (void)h;
    SSL_CTX *ctx = sslctx;
    const branch_run *b = arg;
    if (SSL_CTX_use_certificate(ctx, b->cert) != 1 || SSL_CTX_use_PrivateKey(ctx, device_key) != 1)
        return CURLE_SSL_CERTPROBLEM;
    X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), hq_ca); /* already there: fine */
    return CURLE_OK;
}

static void push_next(CURLM *m, branch_run *b, const char *url)
{
    const rk_buf *req = &b->req[b->next / b->batch];
    rk_buf_reset(&b->resp);
    curl_easy_setopt(b->h, CURLOPT_URL, url);
    curl_easy_setopt(b->h, CURLOPT_POSTFIELDS, req->data);
    curl_easy_setopt(b->h, CURLOPT_POSTFIELDSIZE, (long)req->len);
    if (!b->tries) b->sent_at = secs();
    curl_multi_add_handle(m, b->h);
}

/* The branches' sockets on one epoll set, driven by curl's socket interface
 * (curl_multi_socket_action): each wake-up costs what the ready sockets
 * need, not a walk over all the branches' connections, which grew with the
 * fleet and took the cores rahq and PostgreSQL are measured on. */
typedef struct branch_loop {
    int ep;
    long timeout_ms; /* curl's next timeout, -1 none */
} branch_loop;

static int on_socket(CURL *h, curl_socket_t fd, int what, void *arg, void *sockp)
{
    (void)h;
    (void)sockp;
    branch_loop *l = arg;
    struct epoll_event ev = {0};
    ev.data.fd = fd;
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(l->ep, EPOLL_CTL_DEL, fd, NULL);
        return 0;
    }
    ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
    if (epoll_ctl(l->ep, EPOLL_CTL_MOD, fd, &ev) != 0) epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev);
    return 0;
}

static int on_timer(CURLM *m, long timeout_ms, void *arg)
{
    (void)m;
    ((branch_loop *)arg)->timeout_ms = timeout_ms;
    return 0;
}

/* Waits for the branches' sockets (at most 100 ms) and lets curl act on
 * what is ready, or on its timeout. */
static void branch_loop_step(CURLM *m, branch_loop *l)
{
    struct epoll_event ev[256];
    int running, wait = l->timeout_ms < 0 || l->timeout_ms > 100 ? 100 : (int)l->timeout_ms;
    int n = epoll_wait(l->ep, ev, 256, wait);
    if (n <= 0) {
        l->timeout_ms = -1;
        curl_multi_socket_action(m, CURL_SOCKET_TIMEOUT, 0, &running);
        return;
    }
    for (int i = 0; i < n; i++) {
        int flags = (ev[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
                    (ev[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                    (ev[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
        curl_multi_socket_action(m, ev[i].data.fd, flags, &running);
    }
    if (l->timeout_ms == 0) {
        l->timeout_ms = -1;
        curl_multi_socket_action(m, CURL_SOCKET_TIMEOUT, 0, &running);
    }
}

/* ---- the bare INSERT ------------------------------------------------------------------ */

typedef struct bare_job {
    branch_run *br;
    int branches, events, batch;
    int next; /* the next batch number, under mu */
    pthread_mutex_t mu;
    pthread_barrier_t done; /* all batches in, the connections still open */
    pthread_barrier_t measured;
    int failed;
} bare_job;

static void *bare_worker(void *arg)
{
    bare_job *j = arg;
    PGconn *c = PQconnectdb(pg_url);
    int per = j->events / j->batch, np = 9 * j->batch;
    const char **v = calloc((size_t)np, sizeof *v);
    char(*num)[24] = calloc((size_t)np, sizeof *num);
    rk_buf sql;
    rk_buf_init(&sql, 1 << 20);
    rk_buf_printf(&sql, "INSERT INTO bare_event(branch, seq, uuid, at, entity, entity_id, kind, "
                        "payload, received_at) VALUES ");
    for (int r = 0; r < j->batch; r++)
        rk_buf_printf(&sql, "%s($%d,$%d,$%d,$%d,$%d,$%d,$%d,$%d,$%d)", r ? "," : "", 9 * r + 1,
                      9 * r + 2, 9 * r + 3, 9 * r + 4, 9 * r + 5, 9 * r + 6, 9 * r + 7, 9 * r + 8,
                      9 * r + 9);
    if (PQstatus(c) != CONNECTION_OK || !v || !num) j->failed = 1;
    while (!j->failed) {
        pthread_mutex_lock(&j->mu);
        int k = j->next++;
        pthread_mutex_unlock(&j->mu);
        if (k >= j->branches * per) break;
        branch_run *b = &j->br[k % j->branches];
        int first = (k / j->branches) * j->batch;
        for (int r = 0; r < j->batch; r++) {
            const rk_sync_proto_event *e = &b->ev[first + r];
            const char **p = v + 9 * r;
            char(*x)[24] = num + 9 * r;
            snprintf(x[1], 24, "%lld", (long long)e->seq);
            snprintf(x[3], 24, "%lld", (long long)e->at);
            snprintf(x[8], 24, "%lld", (long long)time(NULL));
            p[0] = b->id, p[1] = x[1], p[2] = e->uuid, p[3] = x[3], p[4] = e->entity;
            p[5] = e->entity_id, p[6] = e->kind, p[7] = e->payload, p[8] = x[8];
        }
        PGresult *res = PQexecParams(c, sql.data, np, NULL, v, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            fprintf(stderr, "bench_fleet: bare INSERT: %s", PQerrorMessage(c));
            j->failed = 1;
        }
        PQclear(res);
    }
    pthread_barrier_wait(&j->done);
    pthread_barrier_wait(&j->measured);
    rk_buf_free(&sql);
    free(v);
    free(num);
    PQfinish(c);
    return NULL;
}

/* The commit ceiling: n transactions of one tiny durable write each (a
 * branch's mark moved, as every push does), spread over POOL connections:
 * what the WAL's fsyncs alone allow. */
typedef struct commit_job {
    int n, next, failed;
    pthread_mutex_t mu;
} commit_job;

static void *commit_worker(void *arg)
{
    commit_job *j = arg;
    PGconn *c = PQconnectdb(pg_url);
    if (PQstatus(c) != CONNECTION_OK) j->failed = 1;
    while (!j->failed) {
        pthread_mutex_lock(&j->mu);
        int k = j->next++;
        pthread_mutex_unlock(&j->mu);
        if (k >= j->n) break;
        char id[24];
        snprintf(id, sizeof id, "%d", k % POOL);
        const char *p[1] = {id};
        PGresult *res = PQexecParams(c, "UPDATE bare_mark SET n = n + 1 WHERE id = $1", 1, NULL, p,
                                     NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            fprintf(stderr, "bench_fleet: commit ceiling: %s", PQerrorMessage(c));
            j->failed = 1;
        }
        PQclear(res);
    }
    PQfinish(c);
    return NULL;
}

/* The rows PostgreSQL read by sequential scans of the tables a push
 * touches, since the server started, once rahq's sessions have ended (a
 * session hands its counts in when it ends): 0 when every statement of
 * every push went by an index, whatever the planner knew of the tables. */
static long long seq_rows_read(void)
{
    PGconn *c = PQconnectdb(pg_url);
    long long rows = -1;
    for (int i = 0; i < 50 && PQstatus(c) == CONNECTION_OK; i++) {
        PGresult *res = PQexec(c, "SELECT count(*) FROM pg_stat_activity WHERE backend_type = "
                                  "'client backend' AND pid <> pg_backend_pid()");
        int others = PQresultStatus(res) == PGRES_TUPLES_OK ? atoi(PQgetvalue(res, 0, 0)) : 0;
        PQclear(res);
        if (!others) break;
        usleep(100000);
    }
    PQclear(PQexec(c, "SELECT pg_stat_clear_snapshot()"));
    PGresult *res = PQexec(c, "SELECT coalesce(sum(seq_tup_read), 0) FROM pg_stat_user_tables "
                              "WHERE relname IN ('event', 'hq_order', 'branch')");
    if (PQresultStatus(res) == PGRES_TUPLES_OK) rows = atoll(PQgetvalue(res, 0, 0));
    PQclear(res);
    PQfinish(c);
    return rows;
}

static void psql_exec(const char *sql)
{
    PGconn *c = PQconnectdb(pg_url);
    PGresult *res = PQexec(c, sql);
    if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
        fprintf(stderr, "bench_fleet: %s: %s", sql, PQerrorMessage(c));
        PQclear(res);
        PQfinish(c);
        die("PostgreSQL");
    }
    PQclear(res);
    PQfinish(c);
}

int main(int argc, char **argv)
{
    int branches = argc > 1 ? atoi(argv[1]) : 1000;
    int events = argc > 2 ? atoi(argv[2]) : 200;
    int batch = argc > 3 ? atoi(argv[3]) : 50;
    int threads = argc > 4 ? atoi(argv[4]) : 8;
    char cmd[2048], path[256], home[128];
    if (branches < 1 || events < 1 || batch < 1 || batch > RK_SYNC_PROTO_MAX_BATCH ||
        events % batch || threads < 1 || threads > 64) {
        fprintf(stderr, "usage: bench_fleet [BRANCHES] [EVENTS] [BATCH] [RAHQ_THREADS]\n"
                        "(EVENTS a multiple of BATCH, BATCH <= 500)\n");
        return 2;
    }
    /* A connection per branch, in this process and in rahq. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        if (rl.rlim_cur < (rlim_t)branches + 256) {
            fprintf(stderr, "bench_fleet: %d branches need %d open files; the limit is %llu\n",
                    branches, branches + 256, (unsigned long long)rl.rlim_cur);
            return 1;
        }
    }
    snprintf(dir, sizeof dir, "/tmp/rkfleet.XXXXXX");
    if (!mkdtemp(dir)) return perror("mkdtemp"), 1;

    /* PostgreSQL, durable. */
    snprintf(path, sizeof path, "%s/pg.env", dir);
    snprintf(cmd, sizeof cmd,
             "bash -c '. %s/tests/sync/pg-lib.bash && pg_start -c max_connections=200 "
             "-c shared_buffers=256MB && echo \"$PG_DIR $PG_URL\" > %s'",
             RK_BENCH_SOURCE_DIR, path);
    if (system(cmd) != 0) die("cannot start PostgreSQL");
    FILE *f = fopen(path, "r");
    if (!f || fscanf(f, "%255s %255s", pg_dir, pg_url) != 2) die("PostgreSQL's address");
    fclose(f);
    setenv("RAHQ_STORE", pg_url, 1);
    setenv("RAKIOSK_LOG", "warn", 1);

    /* HQ: its CA, the branches registered, a device certificate each. */
    snprintf(home, sizeof home, "%s/hq", dir);
    snprintf(cmd, sizeof cmd, "%s init --home %s --name 'Bench HQ' >/dev/null", RK_BENCH_RAHQ,
             home);
    if (system(cmd) != 0) die("rahq init");
    rk_hq_store *store;
    rk_hqca *ca;
    snprintf(path, sizeof path, "%s/ca", home);
    if (rk_hq_store_open(&store, pg_url) || rk_hqca_open(&ca, path)) die("HQ's store or CA");
    EVP_PKEY *key = EVP_EC_gen("P-256");
    if (!key) die("device key");
    branch_run *br = calloc((size_t)branches, sizeof *br);
    if (!br) die("out of memory");
    int64_t t0 = time(NULL) - 86400;
    double tsetup = secs();
    for (int i = 0; i < branches; i++) {
        branch_run *b = &br[i];
        char ref[32];
        snprintf(b->id, sizeof b->id, "B%05d", i + 1);
        snprintf(ref, sizeof ref, "enrol-%s", b->id);
        if (store->ops->branch_add(store, b->id, b->id, ref, "unused")) die("branch_add");
        if (rk_hqca_issue_device(&b->cert, ca, b->id, key)) die("device certificate");
        if (!(b->ev = calloc((size_t)events, sizeof *b->ev))) die("out of memory");
        make_events(b->ev, events, b->id, t0);
        b->batch = batch;
        if (!(b->req = calloc((size_t)(events / batch), sizeof *b->req))) die("out of memory");
        for (int k = 0; k < events / batch; k++) {
            rk_buf_init(&b->req[k], RK_SYNC_PROTO_MAX_BODY);
            if (rk_sync_proto_events_write(&b->req[k], b->id, b->ev + k * batch, batch, -1))
                die("events_write");
        }
        rk_buf_init(&b->resp, 1 << 16);
    }
    device_key = key;
    if (!(hq_ca = X509_dup(rk_hqca_cert(ca)))) die("HQ's CA certificate");
    rk_hqca_free(ca);
    fprintf(stderr, "bench_fleet: %d branches registered with certificates in %.1f s\n", branches,
            secs() - tsetup);

    /* rahq serve. */
    snprintf(path, sizeof path, "%s/hq.port", dir);
    char threads_s[16];
    snprintf(threads_s, sizeof threads_s, "%d", threads);
    if ((rahq_pid = fork()) == 0) {
        char log[256];
        snprintf(log, sizeof log, "%s/hq.log", dir);
        if (!freopen(log, "a", stderr)) _exit(127);
        execl(RK_BENCH_RAHQ, "rahq", "serve", "--home", home, "--port", "0", "--no-cmp",
              "--threads", threads_s, "--port-file", path, (char *)NULL);
        _exit(127);
    }
    int port = 0;
    for (int i = 0; i < 200 && !port; i++) {
        usleep(50000);
        if ((f = fopen(path, "r"))) {
            if (fscanf(f, "%d", &port) != 1) port = 0;
            fclose(f);
        }
    }
    if (!port) die("rahq did not start");

    /* The night: every branch at once. */
    char url[128];
    snprintf(url, sizeof url, "https://127.0.0.1:%d/v1/events", port);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM *m = curl_multi_init();
    curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)branches);
    curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, (long)branches);
    branch_loop loop = {.ep = epoll_create1(EPOLL_CLOEXEC), .timeout_ms = -1};
    if (loop.ep < 0) die("epoll_create1");
    curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(m, CURLMOPT_SOCKETDATA, &loop);
    curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(m, CURLMOPT_TIMERDATA, &loop);
    int pushes = branches * (events / batch), done = 0, failures = 0, retries = 0;
    double *lat = calloc((size_t)pushes, sizeof *lat);
    if (!lat) die("out of memory");
    double load_rahq = load1(), cpu_hq = proc_cpu(rahq_pid), cpu_pg = pg_cpu();
    double cpu_me = self_cpu();
    double start = secs();
    for (int i = 0; i < branches; i++) {
        branch_run *b = &br[i];
        b->h = curl_easy_init();
        b->hdr = curl_slist_append(NULL, "Content-Type: application/json");
        curl_easy_setopt(b->h, CURLOPT_HTTPHEADER, b->hdr);
        curl_easy_setopt(b->h, CURLOPT_CAINFO, NULL);
        curl_easy_setopt(b->h, CURLOPT_CAPATH, NULL);
        curl_easy_setopt(b->h, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
        curl_easy_setopt(b->h, CURLOPT_SSL_CTX_DATA, b);
        /* curl's pool matches connections by the credentials it loaded, which
         * on_ssl_ctx's are not: a connection of the branch's own address is
         * its own. */
        snprintf(b->iface, sizeof b->iface, "host!127.1.%d.%d", i / 250, i % 250 + 1);
        curl_easy_setopt(b->h, CURLOPT_INTERFACE, b->iface);
        curl_easy_setopt(b->h, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(b->h, CURLOPT_WRITEDATA, b);
        curl_easy_setopt(b->h, CURLOPT_PRIVATE, b);
        curl_easy_setopt(b->h, CURLOPT_TIMEOUT, 120L);
        curl_easy_setopt(b->h, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
        push_next(m, b, url);
    }
    while (done + failures < pushes) {
        branch_loop_step(m, &loop);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left))) {
            if (msg->msg != CURLMSG_DONE) continue;
            branch_run *b;
            long status = 0;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&b);
            curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
            curl_multi_remove_handle(m, b->h);
            rk_sync_proto_ack ack;
            if (msg->data.result != CURLE_OK || status != 200 ||
                rk_sync_proto_ack_parse(&ack, b->resp.data, b->resp.len, 0) ||
                ack.acked_seq != b->ev[b->next + b->batch - 1].seq) {
                /* As rasync does: the same batch again (HQ applies it once). */
                if (b->tries < 5) {
                    b->tries++;
                    retries++;
                    push_next(m, b, url);
                    continue;
                }
                if (failures++ < 5)
                    fprintf(stderr, "bench_fleet: %s: push failed (%s, HTTP %ld): %.*s\n", b->id,
                            curl_easy_strerror(msg->data.result), status, (int)b->resp.len,
                            b->resp.data ? b->resp.data : "");
                continue;
            }
            lat[done++] = secs() - b->sent_at;
            b->tries = 0;
            b->acked = ack.acked_seq;
            b->next += b->batch;
            if (b->next < events) push_next(m, b, url);
        }
    }
    double t_rahq = secs() - start;
    cpu_hq = proc_cpu(rahq_pid) - cpu_hq;
    cpu_pg = pg_cpu() - cpu_pg;
    cpu_me = self_cpu() - cpu_me;
    for (int i = 0; i < branches; i++) {
        curl_slist_free_all(br[i].hdr);
        curl_easy_cleanup(br[i].h);
    }
    curl_multi_cleanup(m);
    close(loop.ep);
    if (failures) die("pushes failed");

    /* What HQ holds. */
    int64_t held = 0, dups = 0;
    for (int i = 0; i < branches; i++) {
        int64_t e, d;
        if (store->ops->event_count(store, br[i].id, &e, &d)) die("event_count");
        held += e;
        dups += d;
    }
    rk_hq_store_close(store);
    kill(rahq_pid, SIGTERM);
    waitpid(rahq_pid, NULL, 0);
    rahq_pid = 0;
    long long seq_rows = seq_rows_read();

    /* The same rows, bare. */
    psql_exec("CREATE TABLE bare_event (LIKE event INCLUDING ALL)");
    bare_job j = {.br = br, .branches = branches, .events = events, .batch = batch};
    pthread_mutex_init(&j.mu, NULL);
    pthread_barrier_init(&j.done, NULL, POOL + 1);
    pthread_barrier_init(&j.measured, NULL, POOL + 1);
    pthread_t th[POOL];
    double load_bare = load1(), cpu_bare_pg = pg_cpu(), cpu_bare_me = self_cpu();
    start = secs();
    for (int i = 0; i < POOL; i++)
        pthread_create(&th[i], NULL, bare_worker, &j);
    pthread_barrier_wait(&j.done);
    double t_bare = secs() - start;
    cpu_bare_pg = pg_cpu() - cpu_bare_pg;
    cpu_bare_me = self_cpu() - cpu_bare_me;
    pthread_barrier_wait(&j.measured);
    for (int i = 0; i < POOL; i++)
        pthread_join(th[i], NULL);
    if (j.failed) die("the bare INSERT failed");

    /* The commit ceiling: one durable commit per push, nothing else. */
    psql_exec("CREATE TABLE bare_mark (id TEXT PRIMARY KEY, n BIGINT NOT NULL)");
    psql_exec("INSERT INTO bare_mark SELECT g::text, 0 FROM generate_series(0, 7) AS g");
    commit_job cj = {.n = pushes};
    pthread_mutex_init(&cj.mu, NULL);
    start = secs();
    for (int i = 0; i < POOL; i++)
        pthread_create(&th[i], NULL, commit_worker, &cj);
    for (int i = 0; i < POOL; i++)
        pthread_join(th[i], NULL);
    double t_commit = secs() - start;
    if (cj.failed) die("the commit ceiling failed");

    qsort(lat, (size_t)done, sizeof *lat, cmp_double);
    double total = (double)branches * events;
    printf("fleet night: %d branches x %d events, batches of %d, rahq %d threads, "
           "PostgreSQL pool %d\n",
           branches, events, batch, threads, POOL);
    printf("  through rahq:  %.2f s, %.0f events/s; push latency p50 %.1f ms, p99 %.1f ms "
           "(%d pushes, %d attempts retried)\n",
           t_rahq, total / t_rahq, lat[done / 2] * 1e3, lat[(int)(done * 0.99)] * 1e3, done,
           retries);
    printf("  bare INSERT:   %.2f s, %.0f rows/s (%d connections, same batches)\n", t_bare,
           total / t_bare, POOL);
    printf("  ratio:         %.2fx (target <= 3x)\n", t_rahq / t_bare);
    printf("  load average:  %.1f when the branches started, %.1f when the bare INSERT did "
           "(2 cores shared)\n",
           load_rahq, load_bare);
    printf("  CPU seconds:   through rahq %.2f (rahq %.2f, PostgreSQL %.2f, the branches' "
           "TLS and HTTP %.2f);\n"
           "                 bare %.2f (PostgreSQL %.2f, its client %.2f): ratio %.2fx\n",
           cpu_hq + cpu_pg + cpu_me, cpu_hq, cpu_pg, cpu_me, cpu_bare_pg + cpu_bare_me, cpu_bare_pg,
           cpu_bare_me,
           cpu_bare_pg + cpu_bare_me > 0 ? (cpu_hq + cpu_pg + cpu_me) / (cpu_bare_pg + cpu_bare_me)
                                         : 0);
    printf("  commit ceiling: %d empty durable commits (one per push) in %.2f s, %.0f/s\n", pushes,
           t_commit, pushes / t_commit);
    printf("  plans:         %lld rows read by sequential scans of event, hq_order and branch "
           "(0: every push went by an index)\n",
           seq_rows);
    printf("  HQ holds %lld events (%lld expected), %lld stored twice\n", (long long)held,
           (long long)total, (long long)dups);
    for (int i = 0; i < branches; i++) {
        for (int k = 0; k < events; k++)
            free(br[i].ev[k].payload);
        free(br[i].ev);
        for (int k = 0; k < events / batch; k++)
            rk_buf_free(&br[i].req[k]);
        free(br[i].req);
        rk_buf_free(&br[i].resp);
        X509_free(br[i].cert);
    }
    free(br);
    X509_free(hq_ca);
    free(lat);
    EVP_PKEY_free(key);
    cleanup();
    curl_global_cleanup();
    return held == (int64_t)total && dups == 0 ? 0 : 1;
}
