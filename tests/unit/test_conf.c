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
    rk_conf_free(c);
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

int main(void)
{
    rk_test_tmpdir(dir, sizeof dir);
    test_shipped();
    test_errors();
    rk_test_rmtree(dir);
    return rk_test_done();
}
