/*
 * The reader's commands and polling loop against the simulator core as an
 * in-process transport: card placed, read and removed; damaged replies
 * retried; reader errors reported and recovered; timeouts; cancellation
 * from another thread. (The same over a real pseudo-terminal is
 * tests/integration/idcard_pty.sh.)
 */
#include "test.h"

#include "scan/idreader.h"
#include "demo/idsim.h"
#include "util/err.h"

#include <pthread.h>
#include <unistd.h>

/* The double: requests go through rk_idsim_feed; the reply bytes are
 * judged with the frame parser, as the tty transport does. A schedule
 * applies script lines before given request numbers. */
typedef struct sched {
    unsigned at;
    const char *line;
} sched;

typedef struct dbl {
    rk_idsim sim;
    const sched *plan;
    int nplan, next;
    unsigned transactions;
} dbl;

static int d_open(void **h, const char *path, void *arg)
{
    (void)path;
    *h = arg;
    return 0;
}

static void d_close(void *h)
{
    (void)h;
}

static int d_transact(void *h, const uint8_t *req, size_t req_len, uint8_t *reply, size_t cap,
                      size_t *reply_len, int timeout_ms, int cancel_fd)
{
    dbl *d = h;
    static uint8_t out[RK_SAM_MAX_FRAME + 64];
    size_t used;
    rk_idsim_action act;
    (void)cancel_fd;
    while (d->next < d->nplan && d->plan[d->next].at <= d->transactions) {
        int sl;
        rk_idsim_control(&d->sim, d->plan[d->next].line, &sl);
        d->next++;
    }
    d->transactions++;
    int rc = rk_idsim_feed(&d->sim, req, req_len, &used, out, sizeof out, &act);
    if (rc) return rk_err_set(RK_EINTERNAL, "simulator did not take the request");
    if (act.len == 0 || act.delay_ms > timeout_ms)
        return rk_err_set(RK_ETIMEOUT, "no reply within %d ms", timeout_ms);
    rk_sam_frame f;
    size_t off = 0;
    for (;;) {
        rc = rk_sam_parse(&f, &used, out + off, act.len - off);
        if (rc == RK_SAM_MORE) return rk_err_set(RK_ETIMEOUT, "no complete reply");
        if (rc < 0) return rc;
        size_t flen = f.body_len + 8;
        if (flen > cap) return RK_ETOOBIG;
        memcpy(reply, f.body - 7, flen);
        *reply_len = flen;
        return 0;
    }
}

static const rk_idreader_ops dbl_ops = {d_open, d_transact, d_close};

typedef struct seen {
    int placed, read, removed, errors;
    char order[16];
    int n;
    rk_idcard card;
    int stop_after_removed;
    char last_error[256];
} seen;

static int on_event(const rk_idreader_event *ev, void *arg)
{
    seen *s = arg;
    char c = '?';
    switch (ev->kind) {
    case RK_IDREADER_PLACED: s->placed++, c = 'P'; break;
    case RK_IDREADER_READ:
        s->read++, c = 'R';
        s->card = *ev->card;
        break;
    case RK_IDREADER_REMOVED: s->removed++, c = 'X'; break;
    case RK_IDREADER_ERROR:
        s->errors++, c = 'E';
        snprintf(s->last_error, sizeof s->last_error, "%s", ev->message);
        break;
    }
    if (s->n < 15) s->order[s->n++] = c;
    return ev->kind == RK_IDREADER_REMOVED && s->stop_after_removed;
}

static rk_idreader *open_dbl(dbl *d, const sched *plan, int n)
{
    rk_idreader_opts o;
    rk_idreader *r = NULL;
    memset(d, 0, sizeof *d);
    rk_idsim_init(&d->sim);
    d->plan = plan;
    d->nplan = n;
    rk_idreader_opts_default(&o);
    o.interval_ms = 1;
    CHECK_INT(rk_idreader_open(&r, "double", &dbl_ops, d, &o), 0);
    return r;
}

static void test_place_read_remove(void)
{
    static dbl d;
    static seen s;
    const sched plan[] = {{3, "card resident"},
                          {3, "set name 王小明"},
                          {3, "set sex 1"},
                          {3, "set nation 01"},
                          {3, "set birth 19900307"},
                          {3, "set address 上海市浦东新区世纪大道100号"},
                          {3, "set id 110101199003071233"},
                          {3, "set authority 上海市公安局浦东分局"},
                          {3, "set from 20200101"},
                          {3, "set until 长期"},
                          {3, "place"},
                          {12, "remove"}};
    rk_idreader *r = open_dbl(&d, plan, (int)(sizeof plan / sizeof plan[0]));
    memset(&s, 0, sizeof s);
    s.stop_after_removed = 1;
    CHECK_INT(rk_idreader_poll(r, on_event, &s, 5000), 0);
    CHECK_STR(s.order, "PRX");
    CHECK_STR(s.card.name, "王小明");
    CHECK_STR(s.card.address, "上海市浦东新区世纪大道100号");
    CHECK_STR(s.card.id_number, "110101199003071233");
    CHECK_INT(s.card.long_term, 1);
    CHECK_INT(s.card.photo_len, RK_IDCARD_PHOTO_LEN);
    CHECK(!memcmp(s.card.photo_wlt, d.sim.card.photo_wlt, RK_IDCARD_PHOTO_LEN));
    rk_idreader_free(r);
}

static void test_faults(void)
{
    static dbl d;
    static seen s;
    /* Requests: 0 find, 1 select, 2 read (damaged), 3 read again, ... */
    const sched plan[] = {{0, "card demo"},
                          {0, "place"},
                          {2, "fault checksum 1"},
                          {5, "fault garbage 1"},
                          {9, "remove"}};
    rk_idreader *r = open_dbl(&d, plan, 5);
    memset(&s, 0, sizeof s);
    s.stop_after_removed = 1;
    CHECK_INT(rk_idreader_poll(r, on_event, &s, 5000), 0);
    CHECK_STR(s.order, "PRX");
    CHECK_INT(s.errors, 0);
    CHECK_STR(s.card.name, "张三");
    rk_idreader_free(r);

    /* The reader's own failure (41) is reported and the read retried. */
    const sched plan2[] = {{0, "card demo"}, {0, "place"}, {2, "fault status 41 1"}, {8, "remove"}};
    r = open_dbl(&d, plan2, 4);
    memset(&s, 0, sizeof s);
    s.stop_after_removed = 1;
    CHECK_INT(rk_idreader_poll(r, on_event, &s, 5000), 0);
    CHECK_STR(s.order, "PERX");
    CHECK(strstr(s.last_error, "读居民身份证操作失败") != NULL);
    rk_idreader_free(r);

    /* Silence beyond the retries: an ERROR naming the command, then on. */
    const sched plan3[] = {{0, "fault silent 3"}, {4, "card demo"}, {4, "place"}, {9, "remove"}};
    r = open_dbl(&d, plan3, 4);
    memset(&s, 0, sizeof s);
    s.stop_after_removed = 1;
    CHECK_INT(rk_idreader_poll(r, on_event, &s, 5000), 0);
    CHECK_STR(s.order, "EPRX");
    CHECK(strstr(s.last_error, "find card") != NULL);
    CHECK(strstr(s.last_error, "3 attempts") != NULL);
    rk_idreader_free(r);
}

static void test_direct(void)
{
    static dbl d;
    rk_idcard c;
    char id[40];
    rk_idreader *r = open_dbl(&d, NULL, 0);
    CHECK_INT(rk_idreader_read_card(r, &c), RK_ENOTFOUND);
    CHECK_INT(rk_idreader_status(r), 0);
    CHECK_INT(rk_idreader_sam_id(r, id, sizeof id), 0);
    CHECK_INT(strlen(id), 32);
    int sl;
    rk_idsim_control(&d.sim, "card gat", &sl);
    rk_idsim_control(&d.sim, "set name 陈大文", &sl);
    rk_idsim_control(&d.sim, "set pass H01234567", &sl);
    rk_idsim_control(&d.sim, "set count 02", &sl);
    rk_idsim_control(&d.sim, "set appended 广东省深圳市南山区科技园1栋", &sl);
    rk_idsim_control(&d.sim, "place", &sl);
    rk_idreader_free(r);
    /* With fingerprints and the appended address. */
    rk_idreader_opts o;
    rk_idreader_opts_default(&o);
    o.with_finger = 1;
    o.read_address = 1;
    CHECK_INT(rk_idreader_open(&r, "double", &dbl_ops, &d, &o), 0);
    CHECK_INT(rk_idreader_read_card(r, &c), 0);
    CHECK_INT(c.type, RK_IDCARD_GAT);
    CHECK_STR(c.pass_number, "H01234567");
    CHECK_STR(c.issue_count, "02");
    CHECK_STR(c.appended_address, "广东省深圳市南山区科技园1栋");
    CHECK_INT(c.finger_len, 512);
    /* A fault on the reader's status. */
    rk_idsim_control(&d.sim, "fault status 60 1", &sl);
    CHECK_INT(rk_idreader_status(r), RK_EDEVICE);
    CHECK(strstr(rk_err_msg(), "self-check") != NULL);
    rk_idreader_free(r);
    rk_idreader_free(NULL);
}

static void *canceller(void *arg)
{
    usleep(100 * 1000);
    rk_idreader_cancel(arg);
    return NULL;
}

static void test_timeout_and_cancel(void)
{
    static dbl d;
    static seen s;
    rk_idreader *r = open_dbl(&d, NULL, 0);
    memset(&s, 0, sizeof s);
    CHECK_INT(rk_idreader_poll(r, on_event, &s, 200), RK_ETIMEOUT);
    CHECK_INT(s.n, 0);
    pthread_t t;
    pthread_create(&t, NULL, canceller, r);
    CHECK_INT(rk_idreader_poll(r, on_event, &s, 0), 0);
    pthread_join(t, NULL);
    CHECK(rk_idreader_cancelled(r));
    rk_sam_reply rep;
    CHECK_INT(rk_idreader_command(r, &rep, RK_SAM_CMD_FIND, NULL, 0), RK_ESTATE);
    rk_idreader_free(r);
}

int main(void)
{
    test_place_read_remove();
    test_faults();
    test_direct();
    test_timeout_and_cancel();
    return rk_test_done();
}
