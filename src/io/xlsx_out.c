#include "io/xlsx_out.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/date.h"
#include "core/model.h"
#include "core/numfmt.h"
#include "io/csv.h"
#include "io/out.h"
#include "io/table.h"
#include "io/xlsx_dl.h"


/* ---- the workbook: built in a private directory, then copied to the output ---- */

enum kind { K_TEXT, K_NUM, K_MONEY, K_MONEY2, K_RATIO, K_PCT, K_COUNT, K_COUNT2, K_DATE, K_KINDS };

struct book {
    lxw_workbook *wb;
    char dir[PATH_MAX], path[PATH_MAX + 16], rows[PATH_MAX + 16];
    int guard[3]; /* the directory, book.xlsx and rows.csv, removed on SIGINT and the like */
    lxw_format *head, *title, *bold, *good, *bad, *good_mark, *bad_mark, *fmt[K_KINDS];
};

/* Excel's number format for money: the currency's symbol in front ("¥"#,##0), else the
 * code after the number (#,##0 "SGD"), else none. A code is letters only in the format. */
static void money_format(char *buf, size_t n, const char *currency, int decimals)
{
    const char *sym = mp_currency_symbol(currency);
    const char *digits = decimals ? "#,##0.00" : "#,##0";
    char code[8] = "";
    for (size_t i = 0, o = 0; currency && currency[i] && o + 1 < sizeof code; i++)
        if ((currency[i] >= 'A' && currency[i] <= 'Z') || (currency[i] >= 'a' && currency[i] <= 'z'))
            code[o++] = currency[i], code[o] = '\0';
    if (sym)
        snprintf(buf, n, "\"%s\"%s", sym, digits);
    else if (code[0])
        snprintf(buf, n, "%s \"%s\"", digits, code);
    else
        snprintf(buf, n, "%s", digits);
}

/* Drop the directory and what is in it (the workbook and our rows; libxlsxwriter's temp
 * files are unlinked as soon as it opens them). */
static void book_clean(struct book *b)
{
    unlink(b->path);
    unlink(b->rows);
    rmdir(b->dir);
    for (int i = 0; i < 3; i++)
        mp_out_forget(b->guard[i]);
}

static enum mp_status book_open(struct book *b, const char *currency, mp_error *err)
{
    memset(b, 0, sizeof *b);
    const char *tmp = getenv("TMPDIR");
    snprintf(b->dir, sizeof b->dir, "%s/mplan-xlsx-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    b->guard[0] = b->guard[1] = b->guard[2] = -1;
    if (!mkdtemp(b->dir))
        return mp_fail(err, MP_EIO, "%s: cannot make a directory for the workbook: %s", b->dir, strerror(errno));
    snprintf(b->path, sizeof b->path, "%s/book.xlsx", b->dir);
    snprintf(b->rows, sizeof b->rows, "%s/rows.csv", b->dir);
    b->guard[0] = mp_out_remove_on_signal(b->dir, 1);
    b->guard[1] = mp_out_remove_on_signal(b->path, 0);
    b->guard[2] = mp_out_remove_on_signal(b->rows, 0);
    enum mp_status st = mp_lxw_load(err);
    if (st != MP_OK) {
        book_clean(b);
        return st;
    }
    lxw_workbook_options opts = {.constant_memory = 0, .tmpdir = b->dir, .use_zip64 = 0};
    b->wb = mp_lxw.workbook_new_opt(b->path, &opts);
    if (!b->wb) {
        book_clean(b);
        return mp_fail(err, MP_ENOMEM, "out of memory");
    }
    lxw_workbook *wb = b->wb;
    b->head = mp_lxw.workbook_add_format(wb);
    mp_lxw.format_set_bold(b->head);
    mp_lxw.format_set_bg_color(b->head, 0xD9E1F2);
    mp_lxw.format_set_bottom(b->head, LXW_BORDER_THIN);
    mp_lxw.format_set_text_wrap(b->head);
    mp_lxw.format_set_align(b->head, LXW_ALIGN_VERTICAL_TOP);
    b->title = mp_lxw.workbook_add_format(wb);
    mp_lxw.format_set_bold(b->title);
    mp_lxw.format_set_font_size(b->title, 14);
    b->bold = mp_lxw.workbook_add_format(wb);
    mp_lxw.format_set_bold(b->bold);
    /* Excel's own "Good" and "Bad" cell styles */
    b->good = mp_lxw.workbook_add_format(wb);
    mp_lxw.format_set_num_format(b->good, "0.0%");
    mp_lxw.format_set_bg_color(b->good, 0xC6EFCE);
    mp_lxw.format_set_font_color(b->good, 0x006100);
    b->bad = mp_lxw.workbook_add_format(wb);
    mp_lxw.format_set_num_format(b->bad, "0.0%");
    mp_lxw.format_set_bg_color(b->bad, 0xFFC7CE);
    mp_lxw.format_set_font_color(b->bad, 0x9C0006);
    b->good_mark = mp_lxw.workbook_add_format(wb);
    mp_lxw.format_set_bg_color(b->good_mark, 0xC6EFCE);
    mp_lxw.format_set_font_color(b->good_mark, 0x006100);
    b->bad_mark = mp_lxw.workbook_add_format(wb);
    mp_lxw.format_set_bg_color(b->bad_mark, 0xFFC7CE);
    mp_lxw.format_set_font_color(b->bad_mark, 0x9C0006);
    static const char *const num[K_KINDS] = {
        [K_NUM] = "#,##0.00", [K_RATIO] = "0.00",  [K_PCT] = "0.00%",
        [K_COUNT] = "#,##0",  [K_COUNT2] = "#,##0.00", [K_DATE] = "yyyy-mm-dd",
    };
    char money[64];
    for (int k = K_NUM; k < K_KINDS; k++) {
        b->fmt[k] = mp_lxw.workbook_add_format(wb);
        if (k == K_MONEY || k == K_MONEY2) {
            money_format(money, sizeof money, currency, k == K_MONEY2);
            mp_lxw.format_set_num_format(b->fmt[k], money);
        } else {
            mp_lxw.format_set_num_format(b->fmt[k], num[k]);
        }
    }
    return MP_OK;
}

/* Close the workbook (libxlsxwriter writes it now) and copy it to fp. */
static enum mp_status book_finish(struct book *b, FILE *fp, enum mp_status st, mp_error *err)
{
    lxw_error le = mp_lxw.workbook_close(b->wb);
    b->wb = NULL;
    if (st == MP_OK && le != LXW_NO_ERROR)
        st = le == LXW_ERROR_MEMORY_MALLOC_FAILED
                 ? mp_fail(err, MP_ENOMEM, "out of memory")
                 : mp_fail(err, MP_EIO, "writing the workbook: %s", mp_lxw.lxw_strerror(le));
    FILE *in = st == MP_OK ? fopen(b->path, "rb") : NULL;
    if (st == MP_OK && !in)
        st = mp_fail(err, MP_EIO, "%s: cannot read the workbook back: %s", b->path, strerror(errno));
    char buf[1 << 16];
    size_t n;
    while (in && (n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, fp) != n) {
            st = mp_fail(err, MP_EIO, "write failed");
            break;
        }
    if (in && ferror(in) && st == MP_OK)
        st = mp_fail(err, MP_EIO, "%s: read failed", b->path);
    if (in)
        fclose(in);
    book_clean(b);
    return st;
}

static void cell_text(lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *s, lxw_format *f)
{
    if (s && *s)
        mp_lxw.worksheet_write_string(ws, r, c, s, f);
}

/* A number in its format; absent (NAN, inf) leaves the cell empty. */
static void cell_num(struct book *b, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, double v, enum kind k)
{
    if (isfinite(v))
        mp_lxw.worksheet_write_number(ws, r, c, v, b->fmt[k]);
}

static void cell_date(struct book *b, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, int32_t day)
{
    char s[11];
    int y, m, d;
    mp_date_format(day, s);
    if (sscanf(s, "%d-%d-%d", &y, &m, &d) == 3) {
        lxw_datetime dt = {.year = y, .month = m, .day = d, .hour = 0, .min = 0, .sec = 0};
        mp_lxw.worksheet_write_datetime(ws, r, c, &dt, b->fmt[K_DATE]);
    }
}

static void header(struct book *b, lxw_worksheet *ws, lxw_row_t r, const char *const *names, size_t n)
{
    for (size_t c = 0; c < n; c++)
        mp_lxw.worksheet_write_string(ws, r, (lxw_col_t)c, names[c], b->head);
}

/* ---- mplan run ---- */

static const char *unit_name(const mp_plan *p)
{
    return p->unit == MP_UNIT_DAY ? "day" : p->unit == MP_UNIT_WEEK ? "week" : "month";
}

static enum kind goal_kind(const char *kpi)
{
    switch (mp_kpi_lookup(kpi)) {
    case MP_KPI_SPEND:
    case MP_KPI_GMV:
    case MP_KPI_CHANNEL_GMV: return K_MONEY;
    case MP_KPI_AOV:
    case MP_KPI_CPC:
    case MP_KPI_CPM:
    case MP_KPI_CAC:
    case MP_KPI_STORE_AOV: return K_MONEY2;
    case MP_KPI_ROAS:
    case MP_KPI_STORE_ROAS: return K_RATIO;
    case MP_KPI_CTR:
    case MP_KPI_CVR:
    case MP_KPI_ROI:
    case MP_KPI_STORE_ROI: return K_PCT;
    case MP_KPI_IMPRESSIONS:
    case MP_KPI_CLICKS:
    case MP_KPI_ORDERS:
    case MP_KPI_NEW_CUSTOMERS: return K_COUNT;
    default: return K_NUM;
    }
}

static void sheet_summary(struct book *b, const struct mp_run_result *r, const char *name)
{
    const mp_plan *p = r->plan;
    lxw_worksheet *ws = mp_lxw.workbook_add_worksheet(b->wb, name);
    mp_lxw.worksheet_set_column(ws, 0, 0, 24, NULL);
    mp_lxw.worksheet_set_column(ws, 1, 4, 16, NULL);
    char buf[160], from[11], to[11];
    mp_lxw.worksheet_write_string(ws, 0, 0, p->store ? p->store : "plan", b->title);
    mp_date_format(p->period_start[0], from);
    mp_date_format(p->period_start[p->T] - 1, to);
    snprintf(buf, sizeof buf, "%s..%s (%d %s%s)%s%s", from, to, p->T, unit_name(p), p->T == 1 ? "" : "s",
             p->currency ? ", " : "", p->currency ? p->currency : "");
    mp_lxw.worksheet_write_string(ws, 1, 0, buf, NULL);

    lxw_row_t row = 3;
    mp_lxw.worksheet_write_string(ws, row++, 0, "Budget", b->bold);
    static const char *const lines[] = {"budget", "reserve", "fixed", "allocatable"};
    double vals[] = {p->budget_total, p->budget_total * p->reserve, mp_plan_fixed_total(p), r->allocatable};
    for (size_t i = 0; i < 4; i++, row++) {
        mp_lxw.worksheet_write_string(ws, row, 0, lines[i], NULL);
        cell_num(b, ws, row, 1, vals[i], K_MONEY);
    }
    mp_lxw.worksheet_write_string(ws, row, 0, "allocator", NULL);
    mp_lxw.worksheet_write_string(ws, row++, 1, r->allocator, NULL);
    mp_lxw.worksheet_write_string(ws, row, 0, "objective", NULL);
    switch (p->objective) {
    case MP_OBJ_GMV: mp_lxw.worksheet_write_string(ws, row++, 1, "gmv", NULL); break;
    case MP_OBJ_PROFIT: mp_lxw.worksheet_write_string(ws, row++, 1, "profit", NULL); break;
    case MP_OBJ_TARGET_ROAS:
        mp_lxw.worksheet_write_string(ws, row, 1, "target_roas", NULL);
        cell_num(b, ws, row++, 2, p->objective_value, K_RATIO);
        break;
    case MP_OBJ_GOAL_GMV:
        mp_lxw.worksheet_write_string(ws, row, 1, "goal gmv", NULL);
        cell_num(b, ws, row++, 2, p->objective_value, K_MONEY);
        break;
    }
    if (r->shortfall > 0) {
        mp_lxw.worksheet_write_string(ws, row, 0, "GMV short of the goal", NULL);
        cell_num(b, ws, row++, 1, r->shortfall, K_MONEY);
    }

    row++;
    mp_lxw.worksheet_write_string(ws, row++, 0, "Goals", b->bold);
    static const char *const gh[] = {"goal", "target", "forecast", "attainment", "met"};
    header(b, ws, row++, gh, 5);
    for (size_t i = 0; i < r->ngoals; i++, row++) {
        const mp_goal_result *g = &r->goals[i];
        enum kind k = goal_kind(g->kpi);
        mp_lxw.worksheet_write_string(ws, row, 0, g->kpi, NULL);
        cell_num(b, ws, row, 1, g->target, k);
        cell_num(b, ws, row, 2, g->forecast, k);
        if (isfinite(g->attainment))
            mp_lxw.worksheet_write_number(ws, row, 3, g->attainment, g->met ? b->good : b->bad);
        mp_lxw.worksheet_write_boolean(ws, row, 4, g->met, g->met ? b->good_mark : b->bad_mark);
    }
    if (r->ncustom) {
        row++;
        mp_lxw.worksheet_write_string(ws, row++, 0, "Custom KPIs (rule packs)", b->bold);
        for (size_t i = 0; i < r->ncustom; i++, row++) {
            mp_lxw.worksheet_write_string(ws, row, 0, r->custom[i].name, NULL);
            cell_num(b, ws, row, 1, r->custom[i].value, K_NUM);
        }
    }
    if (p->nwarnings) {
        row++;
        mp_lxw.worksheet_write_string(ws, row++, 0, "Warnings", b->bold);
        for (size_t i = 0; i < p->nwarnings; i++)
            mp_lxw.worksheet_write_string(ws, row++, 0, p->warnings[i], NULL);
    }
}

static void sheet_allocation(struct book *b, const struct mp_run_result *r, const char *name)
{
    const mp_plan *p = r->plan;
    size_t C = p->nchannels, T = (size_t)p->T;
    lxw_worksheet *ws = mp_lxw.workbook_add_worksheet(b->wb, name);
    lxw_col_t first = 4, last = (lxw_col_t)(first + C);
    static const char *const h[] = {"t", "start", "phase", "event"};
    header(b, ws, 0, h, 4);
    for (size_t c = 0; c < C; c++)
        mp_lxw.worksheet_write_string(ws, 0, (lxw_col_t)(first + c), p->channels[c].name, b->head);
    mp_lxw.worksheet_write_string(ws, 0, last, "total", b->head);
    mp_lxw.worksheet_set_column(ws, 0, 0, 5, NULL);
    mp_lxw.worksheet_set_column(ws, 1, 3, 12, NULL);
    mp_lxw.worksheet_set_column(ws, first, last, 13, NULL);
    lxw_format *off = mp_lxw.workbook_add_format(b->wb); /* inactive: the channel cannot spend */
    mp_lxw.format_set_bg_color(off, 0xEEEEEE);
    for (size_t t = 0; t < T; t++) {
        lxw_row_t row = (lxw_row_t)(t + 1);
        mp_lxw.worksheet_write_number(ws, row, 0, (double)(t + 1), NULL);
        cell_date(b, ws, row, 1, p->period_start[t]);
        mp_lxw.worksheet_write_string(ws, row, 2, mp_phase_name(p->phase[t]), NULL);
        if (p->event_of[t] >= 0)
            mp_lxw.worksheet_write_string(ws, row, 3, p->events[p->event_of[t]].name, NULL);
        double sum = 0;
        for (size_t c = 0; c < C; c++) {
            double x = r->alloc->spend[c * T + t];
            sum += x;
            if (x == 0 && p->channels[c].mode == MP_MODE_OPTIMISED && !p->channels[c].active[t])
                mp_lxw.worksheet_write_blank(ws, row, (lxw_col_t)(first + c), off);
            else
                cell_num(b, ws, row, (lxw_col_t)(first + c), x, K_MONEY);
        }
        cell_num(b, ws, row, last, sum, K_MONEY);
    }
    lxw_row_t row = (lxw_row_t)(T + 1);
    mp_lxw.worksheet_write_string(ws, row, 0, "all", b->bold);
    double all = 0;
    for (size_t c = 0; c < C; c++) {
        cell_num(b, ws, row, (lxw_col_t)(first + c), r->fc->by_channel[c].spend, K_MONEY);
        all += r->fc->by_channel[c].spend;
    }
    cell_num(b, ws, row, last, all, K_MONEY);
    mp_lxw.worksheet_freeze_panes(ws, 1, first);
}

static void kpi_row(struct book *b, lxw_worksheet *ws, lxw_row_t row, const char *id, const char *name,
                    const mp_kpis *k, double margin, double mroas)
{
    mp_ratios q = mp_kpi_ratios(k, margin);
    cell_text(ws, row, 0, id, NULL);
    cell_text(ws, row, 1, name, NULL);
    cell_num(b, ws, row, 2, k->spend, K_MONEY);
    cell_num(b, ws, row, 3, k->gmv, K_MONEY);
    cell_num(b, ws, row, 4, q.roas, K_RATIO);
    cell_num(b, ws, row, 5, mroas, K_RATIO); /* "inf" (a first unit without bound) stays empty */
    cell_num(b, ws, row, 6, k->impressions, K_COUNT);
    cell_num(b, ws, row, 7, k->clicks, K_COUNT);
    cell_num(b, ws, row, 8, k->orders, K_COUNT);
    cell_num(b, ws, row, 9, k->new_customers, K_COUNT);
    cell_num(b, ws, row, 10, q.ctr, K_PCT);
    cell_num(b, ws, row, 11, q.cvr, K_PCT);
    cell_num(b, ws, row, 12, q.cpc, K_MONEY2);
    cell_num(b, ws, row, 13, q.cac, K_MONEY2);
    cell_num(b, ws, row, 14, q.roi, K_PCT);
}

static void sheet_kpis(struct book *b, const struct mp_run_result *r, const char *name)
{
    static const char *const h[] = {"channel", "name",   "spend",  "gmv", "roas", "mroas", "impressions", "clicks",
                                    "orders",  "new customers", "ctr", "cvr", "cpc",  "cac",   "roi"};
    const mp_plan *p = r->plan;
    lxw_worksheet *ws = mp_lxw.workbook_add_worksheet(b->wb, name);
    header(b, ws, 0, h, sizeof h / sizeof *h);
    mp_lxw.worksheet_set_column(ws, 0, 1, 14, NULL);
    mp_lxw.worksheet_set_column(ws, 2, 14, 13, NULL);
    lxw_row_t row = 1;
    for (size_t c = 0; c < p->nchannels; c++, row++)
        kpi_row(b, ws, row, p->channels[c].id, p->channels[c].name, &r->fc->by_channel[c], p->margin,
                r->fc->mroas[c]);
    if (r->fc->fixed_lines > 0) {
        mp_kpis fixed = {.spend = r->fc->fixed_lines};
        kpi_row(b, ws, row++, "(fixed lines)", NULL, &fixed, p->margin, NAN);
    }
    double base = 0;
    for (int t = 0; t < p->T; t++)
        base += p->baseline[t];
    if (base > 0) {
        mp_kpis organic = {.gmv = base, .organic = base};
        kpi_row(b, ws, row++, "(baseline)", NULL, &organic, p->margin, NAN);
    }
    kpi_row(b, ws, row, "total", NULL, &r->fc->total, p->margin, NAN);
    mp_lxw.worksheet_freeze_panes(ws, 1, 2);
}

static void run_sheets(struct book *b, const struct mp_run_result *r, const char *prefix)
{
    char name[32];
    snprintf(name, sizeof name, "%sSummary", prefix);
    sheet_summary(b, r, name);
    snprintf(name, sizeof name, "%sAllocation", prefix);
    sheet_allocation(b, r, name);
    snprintf(name, sizeof name, "%sKPIs", prefix);
    sheet_kpis(b, r, name);
}

enum mp_status mp_run_write_xlsx(FILE *fp, const struct mp_run_result *r, mp_error *err)
{
    struct book b;
    enum mp_status st = book_open(&b, r->plan->currency, err);
    if (st != MP_OK)
        return st;
    run_sheets(&b, r, "");
    return book_finish(&b, fp, MP_OK, err);
}

/* ---- rows of a CSV writer as a sheet ---- */

/* The format of a column of mplan's CSV outputs, by its name. */
static enum kind column_kind(const char *name)
{
    size_t n = strlen(name);
    if (n > 5 && strcmp(name + n - 5, "_mean") == 0) /* a segment's mean: decimals, money or not */
        return strncmp(name, "gmv_", 4) == 0 ? K_MONEY2 : K_COUNT2;
    static const char *const money[] = {"spend", "gmv", "channel_gmv", "allocatable", "budget", "profit"};
    static const char *const money2[] = {"aov", "store_aov", "cpc", "cpm", "cac"};
    static const char *const pct[] = {"ctr", "cvr", "roi", "store_roi", "variance_pct", "rate", "share"};
    static const char *const ratio[] = {"roas", "mroas", "store_roas"};
    static const char *const count[] = {"impressions", "clicks", "orders", "new_customers", "count", "goals_met"};
    for (size_t i = 0; i < sizeof money / sizeof *money; i++)
        if (strcmp(name, money[i]) == 0)
            return K_MONEY;
    if (strncmp(name, "spend_", 6) == 0 || strncmp(name, "gmv_", 4) == 0)
        return K_MONEY;
    for (size_t i = 0; i < sizeof money2 / sizeof *money2; i++)
        if (strcmp(name, money2[i]) == 0)
            return K_MONEY2;
    for (size_t i = 0; i < sizeof pct / sizeof *pct; i++)
        if (strcmp(name, pct[i]) == 0)
            return K_PCT;
    if (strncmp(name, "attainment", 10) == 0)
        return K_PCT;
    for (size_t i = 0; i < sizeof ratio / sizeof *ratio; i++)
        if (strcmp(name, ratio[i]) == 0)
            return K_RATIO;
    for (size_t i = 0; i < sizeof count / sizeof *count; i++)
        if (strcmp(name, count[i]) == 0)
            return K_COUNT;
    return K_NUM;
}

typedef enum mp_status (*csv_fn)(FILE *fp, const void *data, mp_error *err);

/* Write the CSV of `fn` into the book's directory and copy its rows into a new sheet: numbers
 * as numbers in their column's format (in a review's rows, the format of the row's KPI), the
 * header row frozen. */
static enum mp_status sheet_from_csv(struct book *b, const char *name, csv_fn fn, const void *data, mp_error *err)
{
    const char *path = b->rows;
    FILE *f = fopen(path, "w");
    if (!f)
        return mp_fail(err, MP_EIO, "%s: cannot write: %s", path, strerror(errno));
    enum mp_status st = fn(f, data, err);
    if (fclose(f) != 0 && st == MP_OK)
        st = mp_fail(err, MP_EIO, "%s: write failed: %s", path, strerror(errno));
    mp_csv *csv = NULL;
    if (st == MP_OK)
        st = mp_csv_open(path, NULL, &csv, err);
    if (st != MP_OK) {
        unlink(path);
        return st;
    }
    lxw_worksheet *ws = mp_lxw.workbook_add_worksheet(b->wb, name);
    size_t ncols = mp_csv_ncols(csv);
    enum kind *kinds = calloc(ncols ? ncols : 1, sizeof *kinds);
    if (!kinds)
        st = mp_fail(err, MP_ENOMEM, "out of memory");
    long kpi_col = mp_csv_find(csv, "kpi");
    for (size_t c = 0; st == MP_OK && c < ncols; c++) {
        const char *h = mp_csv_colname(csv, c);
        mp_lxw.worksheet_write_string(ws, 0, (lxw_col_t)c, h, b->head);
        kinds[c] = column_kind(h);
        mp_lxw.worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, strlen(h) > 12 ? (double)strlen(h) + 1 : 13, NULL);
    }
    struct mp_csv_record rec;
    char *text = NULL;
    lxw_row_t row = 1;
    while (st == MP_OK && (st = mp_csv_next(csv, &rec, err)) == MP_OK && rec.nfields > 0) {
        enum kind row_kind = K_NUM;
        if (kpi_col >= 0 && (size_t)kpi_col < rec.nfields) {
            char kpi[64];
            snprintf(kpi, sizeof kpi, "%.*s", (int)rec.fields[kpi_col].len, rec.fields[kpi_col].ptr);
            row_kind = goal_kind(kpi);
        }
        for (size_t c = 0; c < rec.nfields && c < ncols; c++) {
            const struct mp_csv_field *fd = &rec.fields[c];
            int64_t iv;
            double dv;
            int range;
            enum mp_csv_kind k = mp_csv_number(fd->ptr, fd->len, &iv, &dv, &range);
            if (k == MP_CSV_EMPTY)
                continue;
            if (k == MP_CSV_INT || k == MP_CSV_REAL) {
                const char *h = mp_csv_colname(csv, c);
                int per_kpi = kpi_col >= 0 && (strcmp(h, "plan") == 0 || strcmp(h, "actual") == 0 ||
                                               strcmp(h, "variance") == 0);
                enum kind kd = per_kpi ? row_kind : kinds[c];
                if (kd == K_NUM && k == MP_CSV_INT) /* whole numbers without decimals */
                    kd = K_COUNT;
                mp_lxw.worksheet_write_number(ws, row, (lxw_col_t)c, k == MP_CSV_INT ? (double)iv : dv, b->fmt[kd]);
                continue;
            }
            char *t = realloc(text, fd->len + 1);
            if (!t) {
                st = mp_fail(err, MP_ENOMEM, "out of memory");
                break;
            }
            text = t;
            memcpy(text, fd->ptr, fd->len);
            text[fd->len] = '\0';
            /* the CSV writer's guard against formulas is for CSV only: a cell here is text */
            int quoted = text[0] == '\'' && mp_csv_formula_like(text + 1, fd->len - 1);
            mp_lxw.worksheet_write_string(ws, row, (lxw_col_t)c, quoted ? text + 1 : text, NULL);
        }
        row++;
    }
    mp_lxw.worksheet_freeze_panes(ws, 1, 1);
    free(text);
    free(kinds);
    mp_csv_close(csv);
    unlink(path);
    return st;
}

static enum mp_status whatif_csv(FILE *fp, const void *v, mp_error *err)
{
    return mp_whatif_write_csv(fp, v, err);
}

static enum mp_status review_csv(FILE *fp, const void *v, mp_error *err)
{
    return mp_review_write_csv(fp, v, err);
}

static enum mp_status seg_csv(FILE *fp, const void *s, mp_error *err)
{
    return mp_seg_write_csv(fp, s, err);
}

static enum mp_status flow_csv(FILE *fp, const void *v, mp_error *err)
{
    return mp_seg_write_flow_csv(fp, v, err);
}

enum mp_status mp_whatif_write_xlsx(FILE *fp, const struct mp_whatif_view *v, mp_error *err)
{
    struct book b;
    enum mp_status st = book_open(&b, v->plan->currency, err);
    if (st != MP_OK)
        return st;
    st = sheet_from_csv(&b, "Scenarios", whatif_csv, v, err);
    return book_finish(&b, fp, st, err);
}

enum mp_status mp_review_write_xlsx(FILE *fp, const struct mp_review_view *v, mp_error *err)
{
    struct book b;
    enum mp_status st = book_open(&b, v->plan->currency, err);
    if (st != MP_OK)
        return st;
    st = sheet_from_csv(&b, "Review", review_csv, v, err);
    if (st == MP_OK && v->remaining)
        run_sheets(&b, v->remaining, "Revised ");
    return book_finish(&b, fp, st, err);
}

enum mp_status mp_seg_write_xlsx(FILE *fp, const mp_seg_summary *s, mp_error *err)
{
    struct book b;
    enum mp_status st = book_open(&b, NULL, err);
    if (st != MP_OK)
        return st;
    st = sheet_from_csv(&b, "Segments", seg_csv, s, err);
    return book_finish(&b, fp, st, err);
}

enum mp_status mp_seg_write_flow_xlsx(FILE *fp, const struct mp_seg_flow_view *v, mp_error *err)
{
    struct book b;
    enum mp_status st = book_open(&b, NULL, err);
    if (st != MP_OK)
        return st;
    st = sheet_from_csv(&b, "Flow", flow_csv, v, err);
    return book_finish(&b, fp, st, err);
}
