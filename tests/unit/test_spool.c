/*
 * Unit tests of the receipt spool against the virtual printer (in a thread
 * of this process) over TCP: a job prints and is archived; with paper out
 * or the cover open it is held, the clerk is told why, nothing is printed or
 * lost, and it prints after recovery; an unreachable printer holds jobs; a
 * reprint is marked; job names stay safe whatever the order reference.
 */
#include "test.h"

#include "print/escview.h"
#include "print/printer.h"
#include "print/spool.h"
#include "demo/vprinter.h"
#include "util/err.h"

#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

static volatile int stop;

static void *serve(void *arg)
{
    rk_vprinter *v = arg;
    while (!stop)
        rk_vprinter_poll(v, 50);
    return NULL;
}

typedef struct seen {
    int printed, held, warned;
    char last[1024];
} seen;

static int notify(void *arg, const rk_progress *p)
{
    seen *s = arg;
    CHECK_INT(p->op, RK_OP_PRINT);
    CHECK(p->item && *p->item);
    if (!strcmp(p->step, "print")) return 0; /* before each job */
    if (!strcmp(p->step, "printed")) s->printed++;
    if (!strcmp(p->step, "held")) s->held++;
    if (!strcmp(p->step, "warning")) s->warned++;
    snprintf(s->last, sizeof s->last, "%s", p->text);
    return 0;
}

static int stop_before_print(void *arg, const rk_progress *p)
{
    (void)arg;
    return !strcmp(p->step, "print");
}

static int exists(const char *dir, const char *name)
{
    char p[4200];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return stat(p, &st) == 0;
}

/* The virtual printer renders after the client has gone: wait for it. */
static int appears(const char *dir, const char *name)
{
    for (int i = 0; i < 500; i++) {
        if (exists(dir, name)) return 1;
        usleep(10000);
    }
    return 0;
}

static void write_faults(const char *dir, const char *words)
{
    char p[4200];
    snprintf(p, sizeof p, "%s/faults", dir);
    FILE *f = fopen(p, "w");
    if (f) {
        fputs(words, f);
        fclose(f);
    }
}

int main(void)
{
    char tmp[4096], vdir[4200], sdir[4200], uri[64], job[RK_SPOOL_JOB_NAME];
    rk_test_tmpdir(tmp, sizeof tmp);
    snprintf(vdir, sizeof vdir, "%s/vp", tmp);
    snprintf(sdir, sizeof sdir, "%s/spool", tmp);

    rk_vprinter *v;
    CHECK_INT(rk_vprinter_new(&v, vdir, 0, 58), 0);
    snprintf(uri, sizeof uri, "tcp://127.0.0.1:%d", rk_vprinter_port(v));
    pthread_t th;
    pthread_create(&th, NULL, serve, v);

    rk_spool *sp;
    seen s;
    int printed, pending;
    memset(&s, 0, sizeof s);
    CHECK_INT(rk_spool_open(&sp, sdir), 0);
    static const char job1[] = "\x1b@\x1c&\xd6\xd0\xce\xc4 receipt one\n\x1dV\x42\x00";
    CHECK_INT(rk_spool_add(sp, "BJ01-0001", job1, sizeof job1 - 1, job), 0);
    CHECK(strstr(job, "-BJ01-0001.escpos") != NULL);
    CHECK_INT(rk_spool_pending(sp, &pending), 0);
    CHECK_INT(pending, 1);

    /* printer status over TCP */
    rk_printer *p;
    rk_escpos_status st;
    CHECK_INT(rk_printer_open(&p, uri, 2000), 0);
    CHECK_INT(rk_printer_status(p, &st), 0);
    CHECK_INT(st.known, 0x1e);
    CHECK(rk_escpos_status_ready(&st));
    rk_printer_free(p);

    CHECK_INT(rk_spool_run(sp, uri, 2000, notify, &s, &printed), 0);
    CHECK_INT(printed, 1);
    CHECK_INT(s.printed, 1);
    CHECK(appears(vdir, "job-0001.png"));
    CHECK(exists(vdir, "job-0001.bin"));
    CHECK_INT(rk_spool_pending(sp, &pending), 0);
    CHECK_INT(pending, 0);
    /* the status requests were answered, not kept as part of the job */
    {
        char path[4300];
        snprintf(path, sizeof path, "%s/job-0001.bin", vdir);
        struct stat sb;
        CHECK(stat(path, &sb) == 0 && sb.st_size == (off_t)(sizeof job1 - 1));
    }

    /* paper out: held before printing, the message says why, nothing printed */
    write_faults(vdir, "paper-out");
    static const char job2[] = "\x1b@second\n";
    CHECK_INT(rk_spool_add(sp, "BJ01-0002", job2, sizeof job2 - 1, NULL), 0);
    CHECK_INT(rk_spool_run(sp, uri, 2000, notify, &s, &printed), RK_EDEVICE);
    CHECK(strstr(rk_err_msg(), "paper out") != NULL);
    CHECK(strstr(rk_err_msg(), "held") != NULL);
    CHECK_INT(s.held, 1);
    CHECK(strstr(s.last, "paper out") != NULL);
    CHECK_INT(printed, 0);
    CHECK(!exists(vdir, "job-0002.png"));
    CHECK(!exists(vdir, "job-0002.rejected.bin"));
    CHECK_INT(rk_spool_pending(sp, &pending), 0);
    CHECK_INT(pending, 1);

    /* cover open: same, and jobs queue up in order */
    write_faults(vdir, "cover-open");
    static const char job3[] = "\x1b@third\n";
    CHECK_INT(rk_spool_add(sp, "BJ01-0003", job3, sizeof job3 - 1, NULL), 0);
    CHECK_INT(rk_spool_run(sp, uri, 2000, notify, &s, &printed), RK_EDEVICE);
    CHECK(strstr(rk_err_msg(), "cover open") != NULL);
    CHECK_INT(rk_spool_pending(sp, &pending), 0);
    CHECK_INT(pending, 2);

    /* cancelled before the first job: nothing printed, nothing lost */
    CHECK_INT(rk_spool_run(sp, uri, 2000, stop_before_print, NULL, &printed), RK_ECANCELED);
    CHECK_INT(printed, 0);
    CHECK_INT(rk_spool_pending(sp, &pending), 0);
    CHECK_INT(pending, 2);

    /* recovery with the paper nearly out: both print in order, with a warning */
    write_faults(vdir, "near-end");
    CHECK_INT(rk_spool_run(sp, uri, 2000, notify, &s, &printed), 0);
    CHECK_INT(printed, 2);
    CHECK_INT(s.warned, 2);
    CHECK(appears(vdir, "job-0002.png") && appears(vdir, "job-0003.png"));
    {
        char path[4300], text[64] = "";
        snprintf(path, sizeof path, "%s/job-0002.txt", vdir);
        FILE *f = fopen(path, "r");
        if (f) {
            CHECK(fgets(text, sizeof text, f) != NULL);
            fclose(f);
        }
        CHECK_STR(text, "second\n");
    }
    CHECK_INT(rk_spool_pending(sp, &pending), 0);
    CHECK_INT(pending, 0);
    write_faults(vdir, "ok");

    /* reprint: marked, then the original bytes */
    CHECK_INT(rk_spool_reprint(sp, "BJ01-0001", job), 0);
    CHECK_INT(rk_spool_run(sp, uri, 2000, notify, &s, &printed), 0);
    CHECK_INT(printed, 1);
    CHECK(appears(vdir, "job-0004.png"));
    {
        char path[4300], text[256] = "";
        snprintf(path, sizeof path, "%s/job-0004.txt", vdir);
        FILE *f = fopen(path, "r");
        size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
        if (f) fclose(f);
        text[n] = 0;
        CHECK_STR(text, "** 重印 REPRINT **\n中文 receipt one\n[cut]\n");
    }
    CHECK_INT(rk_spool_reprint(sp, "NO-SUCH", job), RK_ENOTFOUND);

    /* an unreachable printer holds the job */
    stop = 1;
    pthread_join(th, NULL);
    int port = rk_vprinter_port(v);
    rk_vprinter_free(v);
    snprintf(uri, sizeof uri, "tcp://127.0.0.1:%d", port);
    CHECK_INT(rk_spool_add(sp, "../../etc/x y", job2, sizeof job2 - 1, job), 0);
    CHECK(strstr(job, "/") == NULL);
    CHECK(strstr(job, "-_._.._etc_x_y.escpos") != NULL);
    CHECK_INT(rk_spool_run(sp, uri, 500, notify, &s, &printed), RK_EDEVICE);
    CHECK(strstr(rk_err_msg(), "held") != NULL);
    CHECK_INT(rk_spool_pending(sp, &pending), 0);
    CHECK_INT(pending, 1);

    /* bad URIs */
    CHECK_INT(rk_printer_open(&p, "lpt1", 100), RK_EINVAL);
    CHECK_INT(rk_printer_open(&p, "tcp://:9100", 100), RK_EINVAL);
    CHECK_INT(rk_printer_open(&p, "tcp://127.0.0.1:99999", 100), RK_EINVAL);
    CHECK_INT(rk_printer_open(&p, "usb:///nonexistent/lp0", 100), RK_EDEVICE);

    rk_spool_free(sp);
    rk_test_rmtree(tmp);
    return rk_test_done();
}
