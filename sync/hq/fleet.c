/*
 * The fleet page (see fleet.h): the store read once per page, the HTML
 * written into a bounded buffer.
 */
#include "hq/fleet.h"

#include "domain/incident.h"
#include "hq/incidents.h"
#include "util/clock.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

int64_t rk_hq_day_of(int64_t t)
{
    char when[40], date[11];
    int64_t day;
    rk_clock_format(when, t);
    memcpy(date, when, 10);
    date[10] = '\0';
    return rk_clock_day(&day, date, 0) == 0 ? day : t - t % 86400;
}

/* Text a branch sent, escaped for HTML. */
static void esc(rk_buf *b, const char *s)
{
    for (; *s; s++)
        switch (*s) {
        case '&': rk_buf_puts(b, "&amp;"); break;
        case '<': rk_buf_puts(b, "&lt;"); break;
        case '>': rk_buf_puts(b, "&gt;"); break;
        case '"': rk_buf_puts(b, "&quot;"); break;
        case '\'': rk_buf_puts(b, "&#39;"); break;
        default: rk_buf_append(b, s, 1);
        }
}

/* "YYYY-MM-DD HH:MM" local, or "—" for 0. */
static void when(rk_buf *b, int64_t t)
{
    char s[40];
    if (!t) {
        rk_buf_puts(b, "—");
        return;
    }
    rk_clock_format(s, t);
    rk_buf_printf(b, "%.10s %.5s", s, s + 11);
}

/* The escalation roles of domain/incident.h in the seeds' words. */
static const char *role_zh(const char *role)
{
    static const char *const map[][2] = {{"account manager", "客户经理"},
                                         {"support manager", "客服经理"},
                                         {"technical director", "技术总监"},
                                         {"president", "总裁"}};
    for (size_t i = 0; role && i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(role, map[i][0])) return map[i][1];
    return role && *role ? role : "";
}

static const char *level_zh(int level)
{
    return level == RK_INCIDENT_URGENT ? "紧急" : level == RK_INCIDENT_SERIOUS ? "严重" : "一般";
}

typedef struct fleet_row {
    rk_hq_branch b;
    rk_hq_branch_day *days;
    int n_days;
    int64_t pending;  /* the newest backlog reported, -1 none */
    int64_t refusals; /* today */
    int incidents, approvals;
} fleet_row;

/* The 30 days' backlog as bars; a day without a report leaves a gap. */
static void chart(rk_buf *b, const fleet_row *r, int64_t first_day)
{
    int64_t top = 1;
    for (int i = 0; i < r->n_days; i++)
        if (r->days[i].pending_max > top) top = r->days[i].pending_max;
    rk_buf_printf(b,
                  "<svg class=\"chart\" width=\"%d\" height=\"40\" viewBox=\"0 0 %d 40\" "
                  "role=\"img\" aria-label=\"backlog %s\"><rect x=\"0\" y=\"39\" width=\"%d\" "
                  "height=\"1\" fill=\"#999\"/>",
                  RK_HQ_FLEET_DAYS * 6, RK_HQ_FLEET_DAYS * 6, r->b.id, RK_HQ_FLEET_DAYS * 6);
    for (int i = 0; i < r->n_days; i++) {
        const rk_hq_branch_day *d = &r->days[i];
        int slot = (int)((d->day - first_day + 43200) / 86400);
        if (slot < 0 || slot >= RK_HQ_FLEET_DAYS || d->pending_max < 0) continue;
        int h = d->pending_max ? (int)(1 + d->pending_max * 37 / top) : 1;
        rk_buf_printf(b,
                      "<rect x=\"%d\" y=\"%d\" width=\"5\" height=\"%d\" fill=\"%s\">"
                      "<title>%lld</title></rect>",
                      slot * 6, 39 - h, h, d->refusals ? "#c0392b" : "#2e86c1",
                      (long long)d->pending_max);
    }
    rk_buf_puts(b, "</svg>");
}

static const char *const STYLE =
    "body{font-family:'Noto Sans CJK SC','Noto Sans',sans-serif;margin:24px;color:#222}"
    "h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:28px 0 8px}"
    ".sub{color:#555;margin-bottom:16px}table{border-collapse:collapse;width:100%}"
    "th,td{border-bottom:1px solid #ddd;padding:6px 8px;text-align:left;vertical-align:middle}"
    "th{background:#f2f4f7;font-weight:600}td.n{text-align:right;font-variant-numeric:"
    "tabular-nums}.warn{color:#c0392b;font-weight:600}.ok{color:#1e8449}"
    ".tot span{display:inline-block;margin-right:28px;font-size:18px}";

static void branches(rk_buf *b, fleet_row *rows, int n, int64_t first_day)
{
    rk_buf_puts(b, "<h2>网点 Branches</h2><table id=\"branches\"><tr><th>网点 Branch</th>"
                   "<th>最后同步 Last sync</th><th>待上传 Backlog</th>"
                   "<th>待下发 Changes waiting</th><th>上传中档案 Archives uploading</th>"
                   "<th>今日失败 Failures today</th><th>未结事件 Open incidents</th>"
                   "<th>待审批 Pending approvals</th><th>近30天积压 Backlog, 30 days</th></tr>");
    for (int i = 0; i < n; i++) {
        fleet_row *r = &rows[i];
        rk_buf_printf(b, "<tr data-branch=\"%s\"><td>", r->b.id);
        esc(b, r->b.id);
        rk_buf_puts(b, " ");
        esc(b, r->b.name);
        if (!r->b.active) rk_buf_puts(b, " (停用 retired)");
        rk_buf_puts(b, "</td><td>");
        when(b, r->b.last_seen);
        if (r->pending < 0)
            rk_buf_puts(b, "</td><td class=\"n\">—");
        else
            rk_buf_printf(b, "</td><td class=\"n\">%lld", (long long)r->pending);
        rk_buf_printf(b,
                      "</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td>"
                      "<td class=\"n%s\">%lld</td><td class=\"n%s\">%d</td>"
                      "<td class=\"n\">%d</td><td>",
                      (long long)r->b.backlog, (long long)r->b.archives_open,
                      r->refusals ? " warn" : "", (long long)r->refusals,
                      r->incidents ? " warn" : "", r->incidents, r->approvals);
        chart(b, r, first_day);
        rk_buf_puts(b, "</td></tr>");
    }
    rk_buf_puts(b, "</table>");
}

static void incidents(rk_buf *b, const rk_hq_incident *x, int n)
{
    rk_buf_puts(b, "<h2>未结事件 Open incidents</h2>");
    if (!n) {
        rk_buf_puts(b, "<p class=\"ok\">无 None</p>");
        return;
    }
    rk_buf_puts(b, "<table id=\"incidents\"><tr><th>网点 Branch</th><th>级别 Level</th>"
                   "<th>影响 Affected</th><th>概述 Summary</th><th>开始 Opened</th>"
                   "<th>已升级至 Escalated to</th><th>下一级 Next</th>"
                   "<th>首次联系 First contact</th></tr>");
    for (int i = 0; i < n; i++) {
        const rk_hq_incident *h = &x[i];
        rk_buf_printf(b, "<tr data-incident=\"%s\" data-rung=\"%d\"><td>", h->x.uuid, h->st.rung);
        esc(b, h->branch);
        rk_buf_printf(b, "</td><td%s>%s %s</td><td>",
                      h->x.level == RK_INCIDENT_URGENT ? " class=\"warn\"" : "",
                      level_zh(h->x.level), rk_incident_level_name(h->x.level));
        esc(b, h->x.affected);
        rk_buf_puts(b, "</td><td>");
        esc(b, h->x.summary);
        rk_buf_puts(b, "</td><td>");
        when(b, h->x.opened_at);
        rk_buf_puts(b, "</td><td class=\"escalated\">");
        if (h->st.role && *h->st.role)
            rk_buf_printf(b, "%s (%s)", role_zh(h->st.role), h->st.role);
        else
            rk_buf_puts(b, "—");
        rk_buf_puts(b, "</td><td>");
        if (h->st.next_at) {
            rk_buf_printf(b, "%s (%s) ", role_zh(h->st.next_role), h->st.next_role);
            when(b, h->st.next_at);
        } else
            rk_buf_puts(b, "—");
        rk_buf_puts(b, "</td><td>");
        if (h->x.contacted_at)
            when(b, h->x.contacted_at);
        else if (h->st.contact_overdue)
            rk_buf_puts(b, "<span class=\"warn\">逾期 overdue</span>");
        else {
            rk_buf_puts(b, "待联系 due ");
            when(b, h->st.contact_due);
        }
        rk_buf_puts(b, "</td></tr>");
    }
    rk_buf_puts(b, "</table>");
}

static void approvals(rk_buf *b, const rk_hq_order *o, int n)
{
    rk_buf_puts(b, "<h2>待主管部门审批 Waiting for the competent authority</h2>");
    if (!n) {
        rk_buf_puts(b, "<p class=\"ok\">无 None</p>");
        return;
    }
    rk_buf_puts(b, "<table id=\"approvals\"><tr><th>网点 Branch</th><th>受理编号 Order</th>"
                   "<th>业务 Business</th><th>提交 Since</th></tr>");
    for (int i = 0; i < n; i++) {
        rk_buf_puts(b, "<tr><td>");
        esc(b, o[i].branch);
        rk_buf_puts(b, "</td><td>");
        esc(b, o[i].ref);
        rk_buf_puts(b, "</td><td>");
        esc(b, o[i].business);
        rk_buf_puts(b, "</td><td>");
        when(b, o[i].last_at);
        rk_buf_puts(b, "</td></tr>");
    }
    rk_buf_puts(b, "</table>");
}

int rk_hq_fleet_page(rk_hq_store *s, int64_t now, rk_buf *out)
{
    rk_hq_branch *bl = NULL;
    rk_hq_incident *inc = NULL;
    rk_hq_order *wait = NULL;
    fleet_row *rows = NULL;
    int nb = 0, ni = 0, nw = 0, rc;
    int64_t today = rk_hq_day_of(now), first_day = rk_hq_day_of(now - 29 * 86400);

    rk_buf_reset(out);
    if ((rc = s->ops->branch_list(s, &bl, &nb)) != 0) return rc;
    if ((rc = rk_hq_incidents(s, 1, now, &inc, &ni)) != 0) goto out;
    if (nb && !(rows = calloc((size_t)nb, sizeof *rows))) {
        rc = rk_err_oom();
        goto out;
    }
    for (int i = 0; i < nb && !rc; i++) {
        fleet_row *r = &rows[i];
        rk_hq_order *o = NULL;
        int no = 0;
        r->b = bl[i];
        r->pending = -1;
        if ((rc = s->ops->branch_days(s, r->b.id, first_day, &r->days, &r->n_days)) != 0) break;
        for (int d = 0; d < r->n_days; d++) {
            if (r->days[d].pending_last >= 0) r->pending = r->days[d].pending_last;
            if (r->days[d].day == today) r->refusals = r->days[d].refusals;
        }
        for (int k = 0; k < ni; k++)
            r->incidents += !strcmp(inc[k].branch, r->b.id);
        if ((rc = s->ops->order_list(s, r->b.id, &o, &no)) != 0) break;
        for (int k = 0; k < no; k++) {
            if (strcmp(o[k].state, "authority")) continue;
            rk_hq_order *grown = realloc(wait, (size_t)(nw + 1) * sizeof *wait);
            if (!grown) {
                rc = rk_err_oom();
                break;
            }
            wait = grown;
            wait[nw++] = o[k];
            r->approvals++;
        }
        free(o);
    }
    if (rc) goto out;

    int64_t backlog = 0, failing = 0;
    for (int i = 0; i < nb; i++) {
        backlog += rows[i].pending > 0 ? rows[i].pending : 0;
        failing += rows[i].refusals > 0;
    }
    rk_buf_printf(out,
                  "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
                  "<meta http-equiv=\"refresh\" content=\"60\"><title>网点总览 Fleet</title>"
                  "<style>%s</style></head><body><h1>网点总览 Fleet</h1><div class=\"sub\">"
                  "截至 As of <span id=\"now\">",
                  STYLE);
    when(out, now);
    rk_buf_printf(out,
                  "</span></div><div class=\"tot\"><span>网点 branches: <b id=\"t-branches\">"
                  "%d</b></span><span>待上传 backlog: <b id=\"t-backlog\">%lld</b></span>"
                  "<span>今日有失败 failing today: <b id=\"t-failing\">%lld</b></span>"
                  "<span>未结事件 open incidents: <b id=\"t-incidents\">%d</b></span>"
                  "<span>待审批 pending approvals: <b id=\"t-approvals\">%d</b></span></div>",
                  nb, (long long)backlog, (long long)failing, ni, nw);
    branches(out, rows, nb, first_day);
    incidents(out, inc, ni);
    approvals(out, wait, nw);
    rc = rk_buf_puts(out, "</body></html>\n");
    if (rc) rc = rk_err_set(RK_ETOOBIG, "the fleet page is larger than its buffer");
out:
    for (int i = 0; rows && i < nb; i++)
        free(rows[i].days);
    free(rows);
    free(wait);
    free(inc);
    free(bl);
    return rc;
}
