/*
 * Unit tests of the configuration loader: the shipped demo configuration
 * loads; every kind of mistake is reported with file, line and key.
 */
#include "test.h"

#include "conf/conf.h"
#include "util/err.h"

#include <unistd.h>

static char dir[256];

static void write_file(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

#define FILES                                                                                      \
    "[files]\nfees = f.ini\nforms = f.ini\nprofiles = f.ini\ncalendar = f.ini\n"                   \
    "knowledge = f.ini\n"

/* Loads a config with text; returns the code, message in rk_err_msg(). */
static int load(const char *text, rk_conf **out)
{
    char path[512];
    write_file("k.conf", text);
    snprintf(path, sizeof path, "%s/k.conf", dir);
    return rk_conf_load(out, path);
}

static void test_shipped(void)
{
    char path[512];
    rk_conf *c = NULL;
    snprintf(path, sizeof path, "%s/conf/kiosk.conf", getenv("RK_SOURCE_DIR"));
    unsetenv("RAKIOSK_DATA_DIR");
    CHECK_INT(rk_conf_load(&c, path), 0);
    if (!c) return;
    CHECK_STR(c->branch_id, "DEMO01");
    CHECK(strstr(c->database, "/var/demo/rakiosk.db") != NULL);
    CHECK(c->fees[0] == '/');
    CHECK_INT(c->max_image_bytes, 3145728);
    CHECK_INT(c->n_key_models, 3);
    const rk_key_model *m = rk_conf_key_model(c, "5512345");
    CHECK(m && !strcmp(m->name, "EK55") && m->pin_max_tries == 10);
    m = rk_conf_key_model(c, "1100001");
    CHECK(m && !strcmp(m->name, "EK11") && !strcmp(m->unlock, "remote"));
    m = rk_conf_key_model(c, "9900001");
    CHECK(m && !strcmp(m->name, "STANDARD") && m->pin_max_tries == 5);
    CHECK_STR(m->module, "/usr/lib/softhsm/libsofthsm2.so");
    /* the demo's devices: the virtual printer's port, the simulator's link */
    CHECK_STR(c->printer_receipt, "tcp://127.0.0.1:9100");
    CHECK_INT(c->printer_width, 80);
    CHECK(strstr(c->printer_spool_dir, "/var/demo/print-spool") != NULL);
    CHECK(strstr(c->hq_ca_certs, "/var/demo/ca/root.pem") != NULL); /* the demo root */
    CHECK_INT(c->scanner_dpi, 300);
    CHECK_STR(c->scanner_mode, "Color");
    CHECK(c->idreader_device[0] != 0);
    CHECK_INT(c->password_login, 1); /* the demo allows password logins, said in the file */
    rk_conf_free(c);
}

#define BASE "[branch]\nid = B1\nname = n\n[paths]\ndata_dir = d\n" FILES

static void test_devices(void)
{
    rk_conf *c = NULL;
    write_file("f.ini", "; x\n");

    /* defaults when the sections are absent */
    CHECK_INT(load(BASE, &c), 0);
    if (c) {
        CHECK_STR(c->printer_receipt, "");
        CHECK_INT(c->printer_width, 80);
        CHECK_INT(c->printer_timeout_ms, 3000);
        CHECK_STR(c->printer_fallback, "box");
        CHECK(strstr(c->printer_spool_dir, "/d/print-spool") != NULL);
        CHECK_INT(c->scanner_dpi, 300);
        CHECK_STR(c->scanner_mode, "Color");
        CHECK_STR(c->scanner_device, "");
        CHECK_STR(c->idreader_device, "");
        CHECK_STR(c->hq_ca_certs, ""); /* unset: CRL import says how to set it */
    }
    rk_conf_free(c);
    /* HQ's CA certificates: relative to data_dir, or absolute. */
    CHECK_INT(load(BASE "[hq]\nca_certs = ca/root.pem\n", &c), 0);
    if (c) CHECK(strstr(c->hq_ca_certs, "/d/ca/root.pem") && c->hq_ca_certs[0] == '/');
    rk_conf_free(c);
    CHECK_INT(load(BASE "[hq]\nca_certs = /etc/rakiosk/hq-ca.pem\n", &c), 0);
    if (c) CHECK_STR(c->hq_ca_certs, "/etc/rakiosk/hq-ca.pem");
    rk_conf_free(c);

    CHECK_INT(load(BASE "[printer]\nreceipt = cups://rcpt@127.0.0.1:8631\nreceipt_width = 58\n"
                        "timeout_ms = 500\nfallback = code\nspool_dir = spool/rcpt\n"
                        "a4_queue = a4pdf\ncups_server = 127.0.0.1:8631\n"
                        "[scanner]\ndevice = test:0\ndpi = 150\nmode = Gray\n"
                        "[idreader]\ndevice = /dev/ttyS3\n",
                   &c),
              0);
    if (c) {
        CHECK_STR(c->printer_receipt, "cups://rcpt@127.0.0.1:8631");
        CHECK_INT(c->printer_width, 58);
        CHECK_INT(c->printer_timeout_ms, 500);
        CHECK_STR(c->printer_fallback, "code");
        CHECK(strstr(c->printer_spool_dir, "/d/spool/rcpt") != NULL);
        CHECK(c->printer_spool_dir[0] == '/');
        CHECK_STR(c->printer_a4_queue, "a4pdf");
        CHECK_STR(c->printer_cups_server, "127.0.0.1:8631");
        CHECK_STR(c->scanner_device, "test:0");
        CHECK_INT(c->scanner_dpi, 150);
        CHECK_STR(c->scanner_mode, "Gray");
        CHECK_STR(c->idreader_device, "/dev/ttyS3");
    }
    rk_conf_free(c);

    /* every bad value names file:line: [section] key */
    static const struct {
        const char *text, *line, *want;
    } bad[] = {
        {"[printer]\nreceipt = lpt1\n", ":13:", "[printer] receipt: 'lpt1'"},
        {"[printer]\nreceipt_width = 76\n", ":13:", "[printer] receipt_width: '76' must be 58"},
        {"[printer]\ntimeout_ms = 5\n", ":13:", "[printer] timeout_ms: '5'"},
        {"[printer]\nfallback = question\n", ":13:", "[printer] fallback: 'question' must be box"},
        {"[printer]\ncolour = yes\n", ":13:", "[printer] colour: unknown key"},
        {"[scanner]\ndpi = 4800\n", ":13:", "[scanner] dpi: '4800'"},
        {"[scanner]\nmode = Lineart\n", ":13:", "[scanner] mode: 'Lineart' must be Color or Gray"},
        {"[idreader]\nbaud = 9600\n", ":13:", "[idreader] baud: unknown key"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[1024];
        snprintf(text, sizeof text, "%s%s", BASE, bad[i].text);
        CHECK_INT(load(text, &c), RK_ECONF);
        if (!strstr(rk_err_msg(), "k.conf:") || !strstr(rk_err_msg(), bad[i].line) ||
            !strstr(rk_err_msg(), bad[i].want)) {
            rk_test_failed++;
            fprintf(stderr, "case %zu: message '%s' lacks '%s' or '%s'\n", i, rk_err_msg(),
                    bad[i].line, bad[i].want);
        }
    }
}

static void test_errors(void)
{
    rk_conf *c = NULL;
    write_file("f.ini", "; x\n");

    CHECK_INT(load("[branch]\nid = B1\nname = n\n[paths]\ndata_dir = d\n" FILES, &c), 0);
    CHECK(c != NULL);
    rk_conf_free(c);

    CHECK_INT(load("[branch]\nid = B1\nname = n\ncolour = red\n", &c), RK_ECONF);
    CHECK(strstr(rk_err_msg(), "k.conf:4:") && strstr(rk_err_msg(), "colour: unknown key"));

    CHECK_INT(load("[branch]\nid = b 1\n", &c), RK_ECONF);
    CHECK(strstr(rk_err_msg(), "k.conf:2:") && strstr(rk_err_msg(), "[branch] id"));

    CHECK_INT(load("[branch]\nid = B1\nname = n\n[paths]\ndata_dir = d\n" FILES
                   "[clerk]\nsession_hours = forty\n",
                   &c),
              RK_ECONF);
    CHECK(strstr(rk_err_msg(), ":13:") && strstr(rk_err_msg(), "session_hours"));

    CHECK_INT(load("[branch]\nid = B1\n[paths]\ndata_dir = d\n" FILES, &c), RK_ECONF);
    CHECK(strstr(rk_err_msg(), "[branch] name: missing"));

    CHECK_INT(
        load("[branch]\nid = B1\nname = n\n[paths]\ndata_dir = d\n[files]\nfees = no.ini\n", &c),
        RK_ECONF);
    CHECK(strstr(rk_err_msg(), "fees") && strstr(rk_err_msg(), "no such file"));

    CHECK_INT(load("[branch]\nid = B1\nname = n\nthis is not ini\n", &c), RK_ECONF);
    CHECK(strstr(rk_err_msg(), "k.conf:4:"));

    CHECK_INT(load("[weird]\nx = 1\n", &c), RK_ECONF);
    CHECK(strstr(rk_err_msg(), "[weird]: unknown section"));

    CHECK_INT(load("[key_model K]\nunlock = sometimes\n", &c), RK_ECONF);
    CHECK(strstr(rk_err_msg(), "unlock") && strstr(rk_err_msg(), "online, remote or counter"));

    CHECK_INT(load("[hq]\nissuance = pigeon\n", &c), RK_ECONF);
    CHECK(strstr(rk_err_msg(), "k.conf:2:") && strstr(rk_err_msg(), "issuance"));

    /* RAKIOSK_DATA_DIR replaces data_dir. */
    setenv("RAKIOSK_DATA_DIR", "/tmp/elsewhere", 1);
    CHECK_INT(load("[branch]\nid = B1\nname = n\n" FILES, &c), 0);
    if (c) CHECK_STR(c->database, "/tmp/elsewhere/rakiosk.db");
    rk_conf_free(c);
    unsetenv("RAKIOSK_DATA_DIR");

    CHECK_INT(rk_conf_load(&c, "/nonexistent/kiosk.conf"), RK_ENOTFOUND);
    rk_conf_free(NULL);
}

/* [display] and [sound]: the kiosk's screen, touch panel and sound. */
static void test_display(void)
{
    rk_conf *c = NULL;
    write_file("f.ini", "; x\n");
    CHECK_INT(load(BASE, &c), 0);
    if (c) {
        CHECK_STR(c->display_driver, "");
        CHECK_INT(c->display_width, 0);
        CHECK_INT(c->display_rotation, 0);
        CHECK_INT(c->touch_rotation, 0);
        CHECK(!c->touch_flip_x && !c->touch_flip_y);
        CHECK_INT(c->sound_volume, 70);
        CHECK_INT(c->voice, 1);
        CHECK_INT(c->clerk_voice, 0);
        CHECK_INT(c->password_login, 1); /* allowed unless switched off */
    }
    rk_conf_free(c);
    CHECK_INT(load(BASE "[clerk]\npassword_login = no\n", &c), 0);
    if (c) CHECK_INT(c->password_login, 0);
    rk_conf_free(c);
    c = NULL;
    CHECK_INT(load(BASE "[clerk]\npassword_login = maybe\n", &c), RK_ECONF);
    rk_conf_free(c);
    c = NULL;
    CHECK_INT(load(BASE "[display]\ndriver = kmsdrm\nwidth = 1080\nheight = 1920\nrotation = 90\n"
                        "touch_rotation = 180\ntouch_flip = xy\n"
                        "[sound]\nvolume = 40\nvoice = off\nclerk_voice = on\n",
                   &c),
              0);
    if (c) {
        CHECK_STR(c->display_driver, "kmsdrm");
        CHECK_INT(c->display_width, 1080);
        CHECK_INT(c->display_height, 1920);
        CHECK_INT(c->display_rotation, 90);
        CHECK_INT(c->touch_rotation, 180);
        CHECK(c->touch_flip_x && c->touch_flip_y);
        CHECK_INT(c->sound_volume, 40);
        CHECK_INT(c->voice, 0);
        CHECK_INT(c->clerk_voice, 1);
    }
    rk_conf_free(c);
    static const struct {
        const char *text, *msg;
    } bad[] = {
        {"[display]\nrotation = 45\n", "[display] rotation: '45' must be 0, 90, 180 or 270"},
        {"[display]\ntouch_flip = z\n", "[display] touch_flip"},
        {"[display]\ndriver = directfb\n", "[display] driver"},
        {"[display]\nwidth = -1\n", "[display] width"},
        {"[display]\ncolour = red\n", "[display] colour: unknown key"},
        {"[sound]\nvolume = 101\n", "[sound] volume"},
        {"[sound]\nvoice = maybe\n", "[sound] voice: 'maybe' must be on or off"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[512];
        snprintf(text, sizeof text, BASE "%s", bad[i].text);
        CHECK_INT(load(text, &c), RK_ECONF);
        if (!strstr(rk_err_msg(), bad[i].msg) || !strstr(rk_err_msg(), "k.conf:"))
            fprintf(stderr, "message '%s' lacks '%s'\n", rk_err_msg(), bad[i].msg);
        CHECK(strstr(rk_err_msg(), bad[i].msg) != NULL);
        rk_conf_free(c);
        c = NULL;
    }
}

int main(void)
{
    rk_test_tmpdir(dir, sizeof dir);
    test_shipped();
    test_errors();
    test_devices();
    test_display();
    rk_test_rmtree(dir);
    return rk_test_done();
}
