/*
 * Crash-test writer: commits numbered writes to a branch database through
 * the core's real write path (one transaction holding an outbox event and
 * an audit entry), and after each commit appends the number to an
 * acknowledgement file. crash_sigkill.sh kills it with SIGKILL at random
 * moments and checks that every acknowledged write survived.
 *
 * usage: crash_writer DB TOTAL ACKFILE   (resumes after the last committed write)
 */
#include "audit/audit.h"
#include "db/db.h"
#include "db/outbox.h"
#include "util/err.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    rk_db *db;
    sqlite3_stmt *st;
    int next = 0;

    if (argc != 4) {
        fprintf(stderr, "usage: crash_writer DB TOTAL ACKFILE\n");
        return 2;
    }
    int total = atoi(argv[2]);
    int ack = open(argv[3], O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (ack < 0 || rk_db_open(&db, argv[1], 0) != 0) {
        fprintf(stderr, "crash_writer: %s\n", rk_err_msg());
        return 1;
    }
    if (rk_db_prepare(db, &st, "SELECT count(*) FROM outbox WHERE kind = 'crash.write'") ||
        sqlite3_step(st) != SQLITE_ROW) {
        fprintf(stderr, "crash_writer: %s\n", rk_err_msg());
        return 1;
    }
    next = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    for (int i = next; i < total; i++) {
        char id[32], payload[64], line[32];
        snprintf(id, sizeof id, "w%05d", i);
        snprintf(payload, sizeof payload, "{\"n\":%d}", i);
        rk_audit_entry e = {"system", "system", "crash.write", NULL, NULL, payload, NULL};
        if (rk_db_begin(db) || rk_outbox_add(db, NULL, "record", id, "crash.write", payload) ||
            rk_audit_append(db, &e, NULL) || rk_db_commit(db)) {
            fprintf(stderr, "crash_writer: write %d: %s\n", i, rk_err_msg());
            rk_db_rollback(db);
            return 1;
        }
        int n = snprintf(line, sizeof line, "%s\n", id);
        if (write(ack, line, (size_t)n) != n) return 1;
    }
    rk_db_close(db);
    close(ack);
    return 0;
}
