/*
 * sync_load: fills a test branch with work for the sync tests and the
 * benchmark, through the ledger's own calls (so every event is one the
 * branch really writes): orders created and submitted by an entry clerk,
 * approved by a review clerk (some left waiting for the competent
 * authority), paid; and archive files of random content queued for HQ.
 *
 *   sync_load [--orders N] [--authority K] [--archives N] [--archive-min B]
 *             [--archive-max B] [--archive-dir DIR] [--seed S]
 *             [--pay-method M] [--unpaid K] [--refund K] [--list]
 *
 * --pay-method: how orders are paid (cash); --unpaid: the last K orders
 * left approved, unpaid; --refund: the last K paid orders not issued
 * cancelled with their refund by the same method; --list: one JSON line
 * per order made (ref, state, fee).
 *
 * The branch is $RAKIOSK_CONF's. Prints one JSON line: orders made, outbox
 * events in total, archives queued. A test helper, not a product tool.
 */
#include "branch/sync_archive.h"
#include "branch/sync_pass.h"
#include "domain/clerk.h"
#include "domain/forms.h"
#include "domain/order.h"
#include "util/err.h"
#include "util/uuid.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
    fprintf(stderr, "sync_load: %s: %s\n", what, rk_err_msg());
    exit(1);
}

static void clerk(rk_sync_branch *b, rk_actor *boss, rk_actor *out, const char *login,
                  unsigned roles)
{
    char token[RK_SESSION_TOKEN_LEN + 1];
    rk_clerk c;
    if (rk_clerk_get(b->db, login, &c) == RK_ENOTFOUND &&
        rk_clerk_add(b->db, b->conf, boss, login, login, roles, "load-pass-1", NULL))
        die("clerk add");
    if (rk_clerk_login(b->db, b->conf, login, "load-pass-1", token, out)) die("clerk login");
}

typedef struct spec_buf {
    const char *names[32], *values[32], *paper[16];
    int n, np;
} spec_buf;

static void put(spec_buf *s, const char *k, const char *v)
{
    s->names[s->n] = k;
    s->values[s->n++] = v;
}

static const unsigned char *doc_data;
static size_t doc_len;

static int make(rk_sync_branch *b, const rk_actor *by, int authority, int doc, rk_order *o)
{
    spec_buf s;
    rk_form form;
    rk_order_spec spec;
    memset(&s, 0, sizeof s);
    put(&s, "applicant_name", "王小明");
    put(&s, "applicant_id", "11010519491231002X");
    put(&s, "applicant_mobile", "13800138000");
    put(&s, "email", "it@example.com");
    put(&s, "invoice_type", "ordinary");
    put(&s, "delivery", "pickup");
    if (rk_forms_compose(b->ledger->forms, "individual", "new", &form) != 0) die("form");
    for (int i = doc ? 1 : 0; i < form.n_docs; i++)
        s.paper[s.np++] = form.docs[i]->name;
    memset(&spec, 0, sizeof spec);
    spec.business = "new";
    spec.subscriber = "individual";
    spec.names = s.names;
    spec.values = s.values;
    spec.n = s.n;
    spec.paper_docs = s.paper;
    spec.n_paper = s.np;
    spec.submit = !doc;
    spec.needs_authority = authority;
    int rc = rk_order_new(b->ledger, by, &spec, o);
    if (!rc && doc) {
        /* A scanned document image, stored sealed: an archive of the order. */
        if ((rc = rk_order_attach(b->ledger, by, o->ref, form.docs[0]->name, doc_data, doc_len)) ||
            (rc = rk_order_submit(b->ledger, by, o->ref)) ||
            (rc = rk_order_get(b->ledger, o->ref, o)))
            return rc;
    }
    return rc;
}

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

int main(int argc, char **argv)
{
    long orders = 0, authority = 0, issue = 0, docs = 0, archives = 0, amin = 65536, amax = 262144;
    long unpaid = 0, refund = 0;
    int list = 0;
    const char *method = "cash";
    const char *doc_file = NULL;
    unsigned long long seed = 42;
    const char *adir = NULL;
    for (int i = 1; i < argc; i += 2) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
        if (!strcmp(o, "--list")) {
            list = 1;
            i--;
        } else if (!strcmp(o, "--pay-method"))
            method = v;
        else if (!strcmp(o, "--unpaid"))
            unpaid = atol(v);
        else if (!strcmp(o, "--refund"))
            refund = atol(v);
        else if (!strcmp(o, "--orders"))
            orders = atol(v);
        else if (!strcmp(o, "--authority"))
            authority = atol(v);
        else if (!strcmp(o, "--docs"))
            docs = atol(v);
        else if (!strcmp(o, "--doc-file"))
            doc_file = v;
        else if (!strcmp(o, "--issue"))
            issue = atol(v);
        else if (!strcmp(o, "--archives"))
            archives = atol(v);
        else if (!strcmp(o, "--archive-min"))
            amin = atol(v);
        else if (!strcmp(o, "--archive-max"))
            amax = atol(v);
        else if (!strcmp(o, "--archive-dir"))
            adir = v;
        else if (!strcmp(o, "--seed"))
            seed = strtoull(v, NULL, 10);
        else {
            fprintf(stderr, "sync_load: unknown option %s\n", o);
            return 2;
        }
    }
    if (archives && !adir) {
        fprintf(stderr, "sync_load: --archives needs --archive-dir\n");
        return 2;
    }
    if (docs) {
        static unsigned char img[4 << 20];
        FILE *f = doc_file ? fopen(doc_file, "rb") : NULL;
        if (!f) {
            fprintf(stderr, "sync_load: --docs needs a readable --doc-file\n");
            return 2;
        }
        doc_len = fread(img, 1, sizeof img, f);
        fclose(f);
        doc_data = img;
    }
    rk_sync_branch b;
    if (rk_sync_branch_open(&b, NULL)) die("open");
    rk_db_set_durable(b.db, 0); /* test data: speed over power-cut safety */
    rk_actor boss, entry, review;
    char token[RK_SESSION_TOKEN_LEN + 1];
    if (rk_clerk_login(b.db, b.conf, "boss", "supervisor-pass", token, &boss)) die("boss login");
    clerk(&b, &boss, &entry, "entry1", RK_ROLE_ENTRY);
    clerk(&b, &boss, &review, "review1", RK_ROLE_REVIEW);
    rk_actor issuer;
    if (issue) clerk(&b, &boss, &issuer, "issue1", RK_ROLE_ISSUE);
    rk_order *o = calloc(1, sizeof *o);
    if (!o) die("memory");
    for (long i = 0; i < orders; i++) {
        int auth = i < authority;
        if (make(&b, &entry, auth, i >= orders - docs, o)) die("order new");
        if (rk_order_approve(b.ledger, &review, o->ref, NULL)) die("approve");
        int pay = !auth && i < orders - unpaid;
        if (pay && rk_order_pay(b.ledger, &entry, o->ref, method, o->fee_total)) die("pay");
        if (pay && i - authority < issue) {
            /* A certificate as the enrolment would record it. */
            rk_cert_record c;
            unsigned char sn[16];
            memset(&c, 0, sizeof c);
            rk_random_bytes(sn, sizeof sn);
            sn[0] = (unsigned char)((sn[0] & 0x7f) | 0x40);
            for (int k = 0; k < 16; k++)
                snprintf(c.serial + 2 * k, 3, "%02X", sn[k]);
            snprintf(c.subject_name, sizeof c.subject_name, "王小明");
            snprintf(c.usage, sizeof c.usage, "sign");
            c.not_before = time(NULL);
            c.not_after = c.not_before + 365 * 86400;
            if (rk_order_issue(b.ledger, &issuer, o->ref, &c)) die("issue");
            printf("{\"issued\":\"%s\",\"order\":\"%s\"}\n", c.serial, o->ref);
        } else if (pay && i >= orders - unpaid - refund &&
                   rk_order_cancel_refund(b.ledger, &boss, o->ref, "subscriber withdrew", method))
            die("cancel with refund");
        if (list) {
            if (rk_order_get(b.ledger, o->ref, o)) die("order get");
            printf("{\"ref\":\"%s\",\"state\":\"%s\",\"fee\":%lld}\n", o->ref, o->state,
                   (long long)o->fee_total);
        }
    }
    uint64_t s = seed ? seed : 1;
    if (archives) mkdir(adir, 0700);
    unsigned char *buf = malloc((size_t)amax);
    if (!buf) die("memory");
    for (long i = 0; i < archives; i++) {
        char path[4096];
        long size = amin + (long)(rnd(&s) % (uint64_t)(amax - amin + 1));
        for (long k = 0; k < size; k += 8) {
            uint64_t x = rnd(&s);
            memcpy(buf + k, &x, size - k < 8 ? (size_t)(size - k) : 8);
        }
        snprintf(path, sizeof path, "%s/form-%06ld.pdf", adir, i);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0 || write(fd, buf, (size_t)size) != size || close(fd) != 0) {
            fprintf(stderr, "sync_load: cannot write %s: %s\n", path, strerror(errno));
            return 1;
        }
        if (rk_sync_archive_add(b.db, "form", path, NULL, NULL)) die("queue");
    }
    free(buf);
    free(o);
    rk_db_set_durable(b.db, 1);
    sqlite3_stmt *st;
    long long events = 0, all_orders = 0;
    if (rk_db_prepare(b.db, &st,
                      "SELECT (SELECT count(*) FROM outbox), (SELECT count(*) FROM "
                      "orders)") == 0 &&
        sqlite3_step(st) == SQLITE_ROW) {
        events = sqlite3_column_int64(st, 0);
        all_orders = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    printf("{\"orders\":%lld,\"events\":%lld,\"archives\":%ld}\n", all_orders, events, archives);
    rk_sync_branch_close(&b);
    return 0;
}
