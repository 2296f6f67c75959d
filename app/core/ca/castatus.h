/*
 * Keeping the sub-CA's register in step with the ledger's certificate
 * statuses.
 *
 * Revocation, suspension and resumption are decided in the ledger (orders a
 * review clerk approved, replacements that revoke the old certificate, the
 * six-month timer); the sub-CA signs the CRL that tells relying parties.
 * rk_castatus_follow() applies to the register what the ledger says of
 * every certificate the sub-CA issued: revoked (with the ledger's reason,
 * where it names one of RFC 5280's), suspended (certificateHold), or good
 * again (the hold lifted). It never lifts a revocation. Certificates the
 * sub-CA did not issue (HQ's, over CMP) are left alone: HQ hears of their
 * change through the outbox.
 *
 * The two live in two databases, so there is no shared transaction: the
 * follow is idempotent and runs after every status change, before every CRL
 * and on every tick, and a crash between the two is mended by the next run.
 *
 * It also records again any certificate the ledger holds that the
 * register lost: the register's issuing commits do not wait for the disk
 * when the ledger backs them (subca.h), so a power cut may take the newest.
 * Each ledger certificate is looked at once (a watermark in the register).
 */
#ifndef RK_CASTATUS_H
#define RK_CASTATUS_H

#include "ca/subca.h"
#include "domain/clerk.h"
#include "domain/ledger.h"

#include <stdint.h>

/* Brings the register in line with the ledger; *changed (may be NULL)
 * counts the certificates changed or recorded again. Stops at the first
 * failure. */
int rk_castatus_follow(rk_ledger *l, rk_subca *ca, int *changed);

/* The follow, and when it changed a certificate's status in the register
 * (a revocation, a hold or its end), a new full CRL signed and written at
 * once (ca/crl.h: <ca dir>/crl.der and crl.pem; the default validity),
 * audited as by ("ca.crl"; NULL: the system): the service-level rule that
 * the CRL is updated as soon as a revocation is decided. *changed as for
 * the follow; *number (may be NULL) receives the new CRL's number, 0 when
 * none was needed. A CRL that could not be signed is an error saying so;
 * the register keeps the changes and the next publish or `ractl ca crl`
 * signs it. */
int rk_castatus_publish(rk_ledger *l, rk_subca *ca, const rk_actor *by, int *changed,
                        uint64_t *number);

#endif
