/*
 * The branch's printers as the branch finds them: the receipt printer and
 * its spool, the receipt paper's width and the unprintable-character
 * fallback, and the CUPS queue for A4 documents.
 *
 * Each setting is taken from, in order: what the caller gives (a
 * command's option, a kiosk's choice), the environment (RAKIOSK_PRINTER,
 * RAKIOSK_PRINTER_WIDTH, RAKIOSK_PRINT_SPOOL, RAKIOSK_A4_QUEUE), then
 * kiosk.conf's [printer] section. Printing a sample needs no branch: every
 * call works without a configuration where the setting is given.
 */
#ifndef RK_BRANCH_PRINTERS_H
#define RK_BRANCH_PRINTERS_H

#include "branch/branch.h"
#include "print/spool.h"

#include <stddef.h>

/* The receipt printer's URI into out (opt: the caller's, or NULL). RK_ECONF
 * saying how to set one when there is none. */
int rk_branch_receipt_printer(rk_branch *b, const char *opt, char *out, size_t n);

/* The receipt width in mm (opt > 0: the caller's); RK_ECONF if the
 * environment's is not 58 or 80. */
int rk_branch_printer_width(rk_branch *b, int opt, int *mm);

/* Each connect/write/status wait of the receipt printer (opt > 0: the
 * caller's), in ms: [printer] timeout_ms, else 3000. */
int rk_branch_printer_timeout(rk_branch *b, int opt);

/* 1 if characters the printer's font lacks print as [U+XXXX] ([printer]
 * fallback = code), 0 for a box. */
int rk_branch_printer_code_fallback(rk_branch *b);

/* The receipt spool (opt: a folder of the caller's, or NULL), opened on
 * first use and kept until another folder is asked for. Borrowed. */
int rk_branch_spool(rk_branch *b, const char *opt, rk_spool **out);

/* The CUPS queue for A4 documents and its server (opt_*: the caller's, or
 * NULL); *queue NULL when none is set (the PDF is only written), *server
 * NULL for CUPS's default. Borrowed strings. */
void rk_branch_a4_queue(rk_branch *b, const char *opt_queue, const char *opt_server,
                        const char **queue, const char **server);

#endif
