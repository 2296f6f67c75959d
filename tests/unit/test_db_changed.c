/*
 * Unit tests of the change notification between programs sharing the
 * branch database (rk_db_changed): a commit by a second process is
 * noticed, once; this connection's own commits, a rolled-back transaction
 * and plain reads are not; another connection of the same process counts
 * as another writer; a read-only connection notices too.
 *
 * The second process is this test binary run again with "--commit DB SQL"
 * (or "--rollback DB SQL"), so it goes through rk_db_open like rakiosk,
 * ractl and rasync do.
 */
#include "test.h"

#include "db/db.h"
#include "util/err.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static char dir[256], self[4096];

/* The second process: one transaction on its own connection. */
static int child(const char *mode, const char *path, const char *sql)
{
    rk_db *db;
    if (rk_db_open(&db, path, 0) || rk_db_begin(db) || rk_db_exec(db, sql)) {
        fprintf(stderr, "child: %s\n", rk_err_msg());
        return 1;
    }
    if (!strcmp(mode, "--rollback")) {
        rk_db_rollback(db);
    } else if (rk_db_commit(db)) {
        fprintf(stderr, "child commit: %s\n", rk_err_msg());
        return 1;
    }
    rk_db_close(db);
    return 0;
}

/* Runs the second process and waits for it; its exit status. */
static int run_child(const char *mode, const char *path, const char *sql)
{
    char *argv[] = {self, (char *)mode, (char *)path, (char *)sql, NULL};
    pid_t pid;
    int st;
    if (posix_spawn(&pid, self, NULL, NULL, argv, environ) != 0) return -1;
    if (waitpid(pid, &st, 0) != pid) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_changes(void)
{
    char path[512];
    rk_db *a, *b, *ro;
    snprintf(path, sizeof path, "%s/shared.db", dir);
    if (rk_db_open(&a, path, RK_DB_CREATE)) {
        fprintf(stderr, "open: %s\n", rk_err_msg());
        exit(2);
    }
    CHECK_INT(rk_db_changed(a), 0);

    /* Our own commits are not news. */
    CHECK_INT(rk_db_exec(a, "CREATE TABLE t(x INTEGER)"), 0);
    CHECK_INT(rk_db_begin(a), 0);
    CHECK_INT(rk_db_exec(a, "INSERT INTO t VALUES (1)"), 0);
    CHECK_INT(rk_db_commit(a), 0);
    CHECK_INT(rk_db_changed(a), 0);

    /* A second process's commit is, exactly once. */
    CHECK_INT(run_child("--commit", path, "INSERT INTO t VALUES (2)"), 0);
    CHECK_INT(rk_db_changed(a), 1);
    CHECK_INT(rk_db_changed(a), 0);
    sqlite3_stmt *st;
    CHECK_INT(rk_db_prepare(a, &st, "SELECT count(*) FROM t"), 0);
    CHECK(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 2);
    sqlite3_finalize(st);
    CHECK_INT(rk_db_changed(a), 0); /* reading is not a change */

    /* Rolled back: nothing happened. */
    CHECK_INT(run_child("--rollback", path, "INSERT INTO t VALUES (3)"), 0);
    CHECK_INT(rk_db_changed(a), 0);

    /* Several commits between two calls are one notice. */
    CHECK_INT(run_child("--commit", path, "INSERT INTO t VALUES (4)"), 0);
    CHECK_INT(run_child("--commit", path, "DELETE FROM t WHERE x = 1"), 0);
    CHECK_INT(rk_db_changed(a), 1);
    CHECK_INT(rk_db_changed(a), 0);

    /* Another connection of the same process is another writer; a
     * read-only connection notices too; a's own commit after b's does not
     * hide b's. */
    CHECK_INT(rk_db_open(&b, path, 0), 0);
    CHECK_INT(rk_db_open(&ro, path, RK_DB_READONLY), 0);
    CHECK_INT(rk_db_changed(b), 0);
    CHECK_INT(rk_db_changed(ro), 0);
    CHECK_INT(rk_db_exec(b, "INSERT INTO t VALUES (5)"), 0);
    CHECK_INT(rk_db_exec(a, "INSERT INTO t VALUES (6)"), 0);
    CHECK_INT(rk_db_changed(a), 1);
    CHECK_INT(rk_db_changed(b), 1); /* a's commit, for b */
    CHECK_INT(rk_db_changed(b), 0);
    CHECK_INT(rk_db_changed(ro), 1);
    CHECK_INT(rk_db_changed(ro), 0);

    /* A change made between open and the first call is noticed. */
    rk_db *late;
    CHECK_INT(rk_db_open(&late, path, 0), 0);
    CHECK_INT(run_child("--commit", path, "INSERT INTO t VALUES (7)"), 0);
    CHECK_INT(rk_db_changed(late), 1);
    rk_db_close(late);

    /* A failing second process changes nothing. */
    CHECK(run_child("--commit", path, "INSERT INTO nosuch VALUES (1)") != 0);
    CHECK_INT(rk_db_changed(a), 1); /* the 7 above */
    CHECK_INT(rk_db_changed(a), 0);
    rk_db_close(ro);
    rk_db_close(b);
    rk_db_close(a);
}

int main(int argc, char **argv)
{
    if (argc == 4) return child(argv[1], argv[2], argv[3]);
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return 2;
    self[n] = '\0';
    rk_test_tmpdir(dir, sizeof dir);
    test_changes();
    rk_test_rmtree(dir);
    return rk_test_done();
}
