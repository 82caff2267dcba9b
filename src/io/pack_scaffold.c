/* `mplan pack new`: the templates of a new pack, one example hook per kind. */
#include "io/pack_scaffold.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "io/out.h"
#include "mplan/host.h"

/* One example hook: where it is listed, its param, its code, its test and its README row.
 * Every piece is complete text. */
struct example {
    const char *provides; /* pack.yaml provides key */
    const char *hook;
    const char *param;    /* pack.yaml params line */
    const char *param_row; /* README params row */
    const char *code;
    const char *test;
    const char *doc;      /* README hooks row */
    const char *use_pre, *use_post; /* plan line that uses it: PRE pack.hook POST */
};

static const struct example examples[] = {
    [MP_HOOK_ALLOCATOR] = {
        "allocators", "adjusted", NULL, NULL,
        "-- Allocator: decide spend per channel and period. This one starts from mplan's\n"
        "-- built-in optimum and returns it as it is: change `alloc` before returning it.\n"
        "-- mplan checks the answer against every min, max, cap and active period.\n"
        "function M.adjusted(plan, budget, params)\n"
        "  local alloc = assert(mplan.equalize(plan, budget))\n"
        "  return alloc\n"
        "end\n",
        "-- The allocator spends the whole budget: a linear channel never stops paying.\n"
        "do\n"
        "  local alloc = pack.adjusted(plan, 1000, params)\n"
        "  local spent = alloc:get(\"ads\", 1) + alloc:get(\"ads\", 2)\n"
        "  assert(math.abs(spent - 1000) < 1e-6, \"spent \" .. spent)\n"
        "end\n",
        "| `adjusted` | allocator | mplan's built-in optimum, ready to be changed |\n",
        "allocator: ", "\n"},
    [MP_HOOK_STRATEGY] = {
        "strategies", "focus",
        "  outbreak_factor: {type: number, default: 1.5, min: 0, max: 10, doc: How much more every channel returns in outbreak periods}\n",
        "| `outbreak_factor` | number | 1.5 | how much more every channel returns in outbreak periods |\n",
        "-- Strategy: adjust the plan before allocation. This one makes every channel return\n"
        "-- `outbreak_factor` times as much in an event's outbreak periods.\n"
        "function M.focus(plan, params)\n"
        "  for t = 1, plan.periods do\n"
        "    if plan:period(t).phase == \"outbreak\" then\n"
        "      for _, ch in ipairs(plan:channels()) do\n"
        "        ch:scale_lift(t, params.outbreak_factor)\n"
        "      end\n"
        "    end\n"
        "  end\n"
        "end\n",
        "-- 100 spent on a channel with ROAS 2 returns 200; in the outbreak (period 2) the\n"
        "-- strategy makes it 1.5 * 200 = 300, and period 1 stays at 200.\n"
        "do\n"
        "  local p = test.plan(plan_yaml)\n"
        "  pack.focus(p, params)\n"
        "  local ads = p:channel(\"ads\")\n"
        "  assert(math.abs(ads:response(100, 1) - 200) < 1e-9)\n"
        "  assert(math.abs(ads:response(100, 2) - 300) < 1e-9)\n"
        "end\n",
        "| `focus` | strategy | every channel returns `outbreak_factor` times as much in outbreak periods |\n",
        "strategies: [", "]\n"},
    [MP_HOOK_SEGMENTER] = {
        "segmenters", "buyer",
        "  min_orders: {type: number, default: 1, min: 0, doc: Orders from which a customer counts as a buyer}\n",
        "| `min_orders` | number | 1 | orders from which a customer counts as a buyer |\n",
        "-- Segmenter: label one customer row. `row.orders` is the customers file's `orders`\n"
        "-- column (nil when the field is empty). The score returned is the order count.\n"
        "function M.buyer(row, params)\n"
        "  local orders = row.orders or 0\n"
        "  if orders >= params.min_orders then\n"
        "    return \"buyer\", orders\n"
        "  end\n"
        "  return \"visitor\", orders\n"
        "end\n",
        "-- With min_orders 1: two orders make a buyer, an empty field a visitor.\n"
        "assert(pack.buyer({ orders = 2 }, params) == \"buyer\")\n"
        "assert(pack.buyer({}, params) == \"visitor\")\n",
        "| `buyer` | segmenter | `buyer` from `min_orders` orders on, else `visitor` |\n",
        "segments: {from: customers.csv, segmenter: ", "}\n"},
    [MP_HOOK_KPI] = {
        "kpis", "spend_per_order", NULL, NULL,
        "-- KPI: a number from the plan's forecast totals (t.spend, t.gmv, t.orders, ...;\n"
        "-- t.by_channel[id] and t.by_period[i] per scope), or nil when it does not exist.\n"
        "-- This one is the spend per order.\n"
        "function M.spend_per_order(t, params)\n"
        "  if t.orders == 0 then\n"
        "    return nil\n"
        "  end\n"
        "  return t.spend / t.orders\n"
        "end\n",
        "-- 1000 spent for 40 orders is 25 an order; no orders, no value.\n"
        "assert(pack.spend_per_order({ spend = 1000, orders = 40 }, params) == 25)\n"
        "assert(pack.spend_per_order({ spend = 1000, orders = 0 }, params) == nil)\n",
        "| `spend_per_order` | kpi | spend / orders, absent without orders |\n",
        "goals: {", ": 20}\n"},
    [MP_HOOK_METRIC] = {
        "metrics", "net_revenue", NULL, NULL,
        "-- Metric: one visitor's number from a per-visitor row of an A/B test's results\n"
        "-- (`mplan abtest analyze RESULTS.csv --pack DIR --metric net_revenue`). This one is\n"
        "-- the revenue net of refunds; the file needs revenue and refund columns (an empty\n"
        "-- field reads as nil: none).\n"
        "function M.net_revenue(row, params)\n"
        "  return (row.revenue or 0) - (row.refund or 0)\n"
        "end\n",
        "-- 120 paid and 45 refunded is 75; nothing refunded is the revenue.\n"
        "assert(pack.net_revenue({ revenue = 120, refund = 45 }, params) == 75)\n"
        "assert(pack.net_revenue({ revenue = 80 }, params) == 80)\n",
        "| `net_revenue` | metric | revenue - refund per visitor, for `mplan abtest analyze --pack` |\n",
        "# not in a plan: mplan abtest analyze RESULTS.csv --pack DIR --metric ", "\n"},
    [MP_HOOK_FIT_TRANSFORM] = {
        "fit_transforms", "cap_gmv",
        "  max_gmv: {type: number, default: 1e9, min: 0, doc: GMV above this in one row is a data error and is capped}\n",
        "| `max_gmv` | number | 1e9 | GMV above this in one row is a data error and is capped |\n",
        "-- Fit transform: clean the history's rows before `mplan fit HISTORY.csv --pack DIR`.\n"
        "-- Each row is a table of the file's columns; return the rows to fit (the same\n"
        "-- columns, numbers >= 0). This one caps each row's GMV at `max_gmv`.\n"
        "function M.cap_gmv(history, params)\n"
        "  for _, row in ipairs(history) do\n"
        "    if row.gmv and row.gmv > params.max_gmv then\n"
        "      row.gmv = params.max_gmv\n"
        "    end\n"
        "  end\n"
        "  return history\n"
        "end\n",
        "-- With max_gmv 1e9: 5e9 is capped to 1e9, 1200 stays.\n"
        "do\n"
        "  local out = pack.cap_gmv({ { period = 1, gmv = 5e9, ads = 10 }, { period = 2, gmv = 1200, ads = 12 } }, params)\n"
        "  assert(out[1].gmv == 1e9 and out[2].gmv == 1200)\n"
        "end\n",
        "| `cap_gmv` | fit_transform | caps each history row's GMV at `max_gmv` before `mplan fit` |\n",
        "# not in a plan: mplan fit HISTORY.csv --pack DIR --transform ", "\n"},
};

#define NKINDS (sizeof examples / sizeof *examples)

/* A two-period plan whose period 2 is an event's outbreak, for the allocator and strategy
 * tests; one linear channel with ROAS 2. */
static const char test_plan[] =
    "local plan_yaml = [[\n"
    "mplan: 1\n"
    "store: {name: Test store, currency: USD}\n"
    "horizon: {start: 2027-01-04, periods: 2, period: week}\n"
    "budget: {total: 1000}\n"
    "events:\n"
    "  - {name: Test event, outbreak: 2027-01-11..2027-01-17, phases: {}, lift: 1}\n"
    "channels:\n"
    "  - {id: ads, kind: paid, response: {curve: linear, roas: 2}}\n"
    "]]\n"
    "local plan = test.plan(plan_yaml)\n";

static int name_ok(const char *name)
{
    if (!*name)
        return 0;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
            return 0;
    return 1;
}

static void write_manifest(FILE *fp, const char *name, unsigned kinds)
{
    fprintf(fp, "name: %s\nversion: 0.1.0\nsummary: What %s does, in one line\nmplan: \">=1.0\"\nprovides:\n",
            name, name);
    for (size_t k = 0; k < NKINDS; k++)
        fprintf(fp, "  %s: [%s]\n", examples[k].provides, kinds & (1u << k) ? examples[k].hook : "");
    int any = 0;
    for (size_t k = 0; k < NKINDS; k++)
        any |= (kinds & (1u << k)) && examples[k].param;
    fputs(any ? "params:\n" : "params: {}\n", fp);
    for (size_t k = 0; k < NKINDS; k++)
        if ((kinds & (1u << k)) && examples[k].param)
            fputs(examples[k].param, fp);
}

static void write_init(FILE *fp, const char *name, unsigned kinds)
{
    fprintf(fp, "-- %s: describe here what the pack does and why (README.md says it for analysts).\n"
                "-- Every hook below is listed in pack.yaml `provides`; the API is in lua/mplan.d.lua.\n\n"
                "local M = {}\n",
            name);
    for (size_t k = 0; k < NKINDS; k++)
        if (kinds & (1u << k))
            fprintf(fp, "\n%s", examples[k].code);
    fputs("\nreturn M\n", fp);
}

static void write_test(FILE *fp, unsigned kinds)
{
    fputs("-- Run by `mplan pack test`: the file fails when it raises an error (assert).\n"
          "-- Work the expected numbers out by hand and say how in a comment.\n\n"
          "local pack = require(\"init\")\n"
          "local params = test.params()\n",
          fp);
    if (kinds & ((1u << MP_HOOK_ALLOCATOR) | (1u << MP_HOOK_STRATEGY)))
        fputs(test_plan, fp);
    for (size_t k = 0; k < NKINDS; k++)
        if (kinds & (1u << k))
            fprintf(fp, "\n%s", examples[k].test);
}

static void write_readme(FILE *fp, const char *name, unsigned kinds)
{
    fprintf(fp, "# %s\n\nWhat this pack does for an analyst, and when to use it.\n\n"
                "## Hooks\n\n| hook | kind | what it does |\n| --- | --- | --- |\n",
            name);
    for (size_t k = 0; k < NKINDS; k++)
        if (kinds & (1u << k))
            fputs(examples[k].doc, fp);
    fputs("\n## Params\n\n| param | type | default | what it does |\n| --- | --- | --- | --- |\n", fp);
    for (size_t k = 0; k < NKINDS; k++)
        if ((kinds & (1u << k)) && examples[k].param_row)
            fputs(examples[k].param_row, fp);
    fprintf(fp, "\n## Use it in a plan\n\n```yaml\npacks:\n  - {path: ../rules/%s}\n", name);
    for (size_t k = 0; k < NKINDS; k++)
        if (kinds & (1u << k))
            fprintf(fp, "%s%s.%s%s", examples[k].use_pre, name, examples[k].hook, examples[k].use_post);
    fputs("```\n\nCheck and test it with `mplan pack check DIR` and `mplan pack test DIR`.\n", fp);
}

typedef void (*writer)(FILE *fp, const char *name, unsigned kinds);

static void write_test_file(FILE *fp, const char *name, unsigned kinds)
{
    (void)name;
    write_test(fp, kinds);
}

static enum mp_status write_file(const char *dir, const char *rel, writer w, const char *name,
                                 unsigned kinds, mp_error *err)
{
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, rel) >= sizeof path)
        return mp_fail(err, MP_EIO, "%s/%s: path too long", dir, rel);
    struct mp_out out;
    enum mp_status st = mp_out_open(&out, path, err);
    if (st != MP_OK)
        return st;
    w(out.fp, name, kinds);
    return mp_out_commit(&out, err);
}

enum mp_status mp_pack_scaffold(const char *dir, const char *name, unsigned kinds, char *made,
                                mp_error *err)
{
    if (!name_ok(name))
        return mp_fail(err, MP_EUSAGE, "pack name '%s' must be lower-case letters, digits and '-'", name);
    char tests[PATH_MAX];
    if ((size_t)snprintf(made, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX ||
        (size_t)snprintf(tests, sizeof tests, "%s/tests", made) >= sizeof tests)
        return mp_fail(err, MP_EIO, "%s/%s: path too long", dir, name);
    if (mkdir(made, 0777) != 0)
        return mp_fail(err, MP_EIO, "%s: cannot create: %s", made, strerror(errno));
    if (mkdir(tests, 0777) != 0)
        return mp_fail(err, MP_EIO, "%s: cannot create: %s", tests, strerror(errno));
    enum mp_status st = write_file(made, "pack.yaml", write_manifest, name, kinds, err);
    if (st == MP_OK)
        st = write_file(made, "init.lua", write_init, name, kinds, err);
    if (st == MP_OK)
        st = write_file(made, "README.md", write_readme, name, kinds, err);
    if (st == MP_OK)
        st = write_file(made, "tests/basic.lua", write_test_file, name, kinds, err);
    return st;
}
