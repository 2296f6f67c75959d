/*
 * A reconciliation (domain/recon.h) as JSON and back: what `rahq admin
 * reconcile --json` prints, and what rahq hands to rahq-report, which
 * draws the PDF and the workbook so that rahq itself loads neither cairo
 * nor libxlsxwriter (tests/sync/libs.sh).
 */
#ifndef RK_HQ_RECON_JSON_H
#define RK_HQ_RECON_JSON_H

#include "domain/recon.h"

#include <jansson.h>

/* A new JSON object of r (NULL when out of memory). */
json_t *rk_hq_recon_json(const rk_recon *r);

/* r from the object j made by rk_hq_recon_json; RK_EFORMAT if it is not
 * one. r is new (rk_recon_free). */
int rk_hq_recon_from_json(json_t *j, rk_recon *r);

#endif
