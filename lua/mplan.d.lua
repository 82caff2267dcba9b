---@meta mplan
-- LuaLS annotations of the mplan rule API (reference: docs/lua-api.md; packs: docs/packs.md).
-- Not loaded at run time: point your editor's Lua language server at this file
-- (`"workspace.library": ["path/to/mplan/lua"]` in .luarc.json) and it completes and
-- type-checks rule scripts. Periods are numbered 1..plan.periods, as in mplan's output.

---@alias mplan.Kind "basic"|"paid"|"event"|"self"
---@alias mplan.Stage "awareness"|"interest"|"purchase"|"loyalty"
---@alias mplan.Purpose "exposure"|"conversion"|"brand"|"retention"
---@alias mplan.Phase "normal"|"preparation"|"storage"|"warmup"|"outbreak"|"review"

---Pack parameters: the defaults of pack.yaml `params`, overridden by the plan's `packs:` entry.
---A `type: list` param is a sequence of numbers, strings and booleans.
---@alias mplan.Params table<string, number|string|boolean|(number|string|boolean)[]>

---What the plan asks an allocator to reach (its `objective:`).
---@class mplan.Objective
---@field kind "gmv"|"profit"|"target_roas"|"goal"
---@field target_roas number|nil  kind "target_roas": the least marketing ROAS
---@field gmv number|nil          kind "goal": the GMV to reach at least spend
---@field margin number|nil       the plan's margin (profit = gmv * margin - spend)

---A plan as a rule script sees it. Reading a field that does not exist is an error.
---@class mplan.Plan
---@field store string|nil      store name
---@field currency string|nil   e.g. "USD"
---@field platform string|nil   e.g. "alibaba.com"
---@field purpose mplan.Purpose|nil  the plan's `purpose:`, nil when it gives none
---@field periods integer       number of periods T
---@field period_unit "day"|"week"|"month"
---@field start string          first day of period 1, YYYY-MM-DD
---@field budget number         budget.total
---@field allocatable number    B of docs/model.md 7: total * (1 - reserve) - fixed lines
---@field margin number|nil     gross margin rate, nil when the plan gives none
---@field goals table<string, number>  goal targets by KPI name (a copy: read-only)
---@field objective mplan.Objective  the plan's objective (a copy)
local Plan = {}

---Every channel, in plan order.
---@return mplan.Channel[]
function Plan:channels() end

---The channel with this id, or nil and a message when there is none.
---@param id string
---@return mplan.Channel|nil
---@return string? message
function Plan:channel(id) end

---Period t (1-based).
---@param t integer
---@return mplan.Period
function Plan:period(t) end

---@class mplan.Period
---@field t integer
---@field start string          first day, YYYY-MM-DD
---@field phase mplan.Phase
---@field event string|nil      name of the event whose phase this is
---@field season number         season[t]

---@class mplan.Funnel
---@field impressions number
---@field clicks number
---@field orders number
---@field gmv number
---@field new_customers number

---@class mplan.Bounds
---@field min? number           total over the horizon
---@field max? number           total over the horizon
---@field cap? number           per period

---A channel. Fields are read-only; strategies change a channel through its methods.
---@class mplan.Channel
---@field id string
---@field name string
---@field kind mplan.Kind
---@field stage mplan.Stage|nil
---@field curve "hill"|"exp"|"linear"|"none"  response curve ("none": a fixed cost line)
---@field fixed boolean         spend fixed by the plan (`spend:` or `cost:`): allocators leave it alone
---@field min number            least total spend over the horizon (0 when unbounded)
---@field max number            most total spend over the horizon (math.huge when unbounded)
---@field cap number            most spend in one period (math.huge when unbounded)
---@field theta number          carry-over rate, 0 <= theta < 1
---@field carryover number      adstock at the start, a[c,0] (`carryover:`; revised plans carry the spent periods' effect in it)
---@field owner string|nil      who runs the channel (`owner:`)
---@field tags table<string, string|boolean>  the channel's `tags:` (a copy): {tier = "proven"}, or name = true for a list item
local Channel = {}

---GMV of `spend` in period t on its own: demand multiplier included, no carry-over from
---earlier periods.
---@param spend number
---@param t integer
---@return number
function Channel:response(spend, t) end

---d response / d spend at `spend` in period t.
---@param spend number
---@param t integer
---@return number
function Channel:marginal(spend, t) end

---The demand multiplier L[c,t] of period t (docs/model.md 2): season, event lift and
---warm-up lift as this channel takes them, and strategies' scale_lift.
---@param t integer
---@return number
function Channel:demand(t) end

---d(total GMV) / d(spend in period t) at the allocation, carry-over included: the
---channel's spend in every period builds its adstock from `carryover`, and one more unit in
---period t also returns in later periods (docs/model.md 6, mroas).
---@param alloc mplan.Allocation|table<string, number[]>
---@param t integer
---@return number
function Channel:marginal_at(alloc, t) end

---The funnel (docs/model.md 5) behind response(spend, t).
---@param spend number
---@param t integer
---@return mplan.Funnel
function Channel:funnel(spend, t) end

---May the channel spend in period t?
---@param t integer
---@return boolean
function Channel:active(t) end

---Strategies only: change the channel's bounds (fields left out keep their value).
---@param bounds mplan.Bounds
function Channel:set_bounds(bounds) end

---Strategies only: switch the channel on or off in period t.
---@param t integer
---@param on boolean
function Channel:set_active(t, on) end

---Strategies only: multiply the channel's demand multiplier in period t by `factor`.
---@param t integer
---@param factor number
function Channel:scale_lift(t, factor) end

---Spend per channel and period. Fixed-spend channels come filled in and cannot be set.
---@class mplan.Allocation
local Allocation = {}

---@param ch string|mplan.Channel  channel id or object
---@param t integer
---@param spend number          finite, >= 0
function Allocation:set(ch, t, spend) end

---@param ch string|mplan.Channel
---@param t integer
---@return number
function Allocation:get(ch, t) end

---Total spend of one channel over the horizon, or of every channel.
---@param ch? string|mplan.Channel
---@return number
function Allocation:total(ch) end

---The additive KPIs of one scope (a channel, a period, the plan), plus its ratios where
---they exist (docs/model.md 6). An absent ratio is nil.
---@class mplan.Kpis
---@field spend number
---@field impressions number
---@field clicks number
---@field orders number
---@field gmv number
---@field new_customers number
---@field ctr number|nil
---@field cvr number|nil
---@field aov number|nil
---@field cpc number|nil
---@field cpm number|nil
---@field cac number|nil
---@field roas number|nil
---@field roi number|nil        absent without a plan margin
---@field mroas number|nil      by_channel only: marginal ROAS at the allocation

---@class mplan.PeriodKpis: mplan.Kpis
---@field t integer

---A forecast as mplan.forecast returns it, shaped as the `kpis` object of
---`mplan run --format json`.
---@class mplan.Totals
---@field total mplan.Kpis
---@field by_channel table<string, mplan.Kpis>
---@field by_period mplan.PeriodKpis[]

---What a KPI hook receives: the plan's total KPIs, with the scopes and the margin beside
---them (t.gmv, t.by_channel.p4p.spend, t.margin).
---@class mplan.KpiTotals: mplan.Kpis
---@field by_channel table<string, mplan.Kpis>
---@field by_period mplan.PeriodKpis[]
---@field margin number|nil

---Every ratio of docs/model.md 6 for one scope; a ratio whose denominator is 0 (or roi without
---a margin) is nil.
---@class mplan.Ratios
---@field ctr number|nil
---@field cvr number|nil
---@field aov number|nil
---@field cpc number|nil
---@field cpm number|nil
---@field cac number|nil
---@field roas number|nil
---@field roi number|nil

---Options of mplan.equalize (none yet: pass nil).
---@class mplan.EqualizeOpts

---One customer row (segmenters). `row.colname` is the column's value (number, string or
---nil); `row[i]` by position; `#row` the number of columns; `pairs(row)` every column in
---file order. Reading an unknown column is an error. Read-only, and reused between calls.
---@class mplan.Row
---@field [string] number|string|nil
---@field [integer] number|string|nil
local Row = {}

---Does the file have this column?
---@param name string
---@return boolean
function Row:has(name) end

---Hook signatures (list each exported hook in pack.yaml `provides`).
---@alias mplan.Allocator fun(plan: mplan.Plan, budget: number, params: mplan.Params): mplan.Allocation
---@alias mplan.Strategy fun(plan: mplan.Plan, params: mplan.Params)
---@alias mplan.Segmenter fun(row: mplan.Row, params: mplan.Params): string, number?
---@alias mplan.Kpi fun(t: mplan.KpiTotals, params: mplan.Params): number|nil
---A/B test metric (`mplan abtest analyze --pack`): one per-visitor row of the results file in, that
---visitor's value out (a finite number).
---@alias mplan.Metric fun(row: mplan.Row, params: mplan.Params): number
---One row of a history file (`mplan fit`): its columns, numbers as numbers, text as text, an
---empty cell absent (gmv nil: the period's GMV is missing).
---@alias mplan.HistoryRow table<string, number|string>
---History cleaning (`mplan fit --pack`): the history's rows in, the rows to fit out (the same
---columns, numbers >= 0; period and channel may be text; gmv may be nil: kept for the
---carry-over, not fitted).
---@alias mplan.FitTransform fun(history: mplan.HistoryRow[], params: mplan.Params): mplan.HistoryRow[]

---The `mplan` global.
---@class mplan.Lib
---@field api string            the API version, e.g. "1.0"
mplan = {}

---An empty allocation for the plan.
---@param plan mplan.Plan
---@return mplan.Allocation
function mplan.allocation(plan) end

---The built-in optimum of `budget` (default: plan.allocatable) over the plan, to start
---from or compare with; nil and a message when the constraints admit none.
---@param plan mplan.Plan
---@param budget? number
---@param opts? mplan.EqualizeOpts
---@return mplan.Allocation|nil
---@return string? message
function mplan.equalize(plan, budget, opts) end

---Forecast an allocation (or a table {[channel id] = {spend per period}}).
---@param plan mplan.Plan
---@param alloc mplan.Allocation|table<string, number[]>
---@return mplan.Totals|nil
---@return string? message
function mplan.forecast(plan, alloc) end

---Every ratio of docs/model.md 6 from one scope's additive KPIs; margin defaults to the plan's.
---@param totals mplan.Kpis|{spend?: number, impressions?: number, clicks?: number, orders?: number, gmv?: number, new_customers?: number}
---@param margin? number
---@return mplan.Ratios
function mplan.kpi(totals, margin) end

---A message on stderr, prefixed with the pack and hook (string.format rules).
---@param fmt string
---@param ... any
function mplan.log(fmt, ...) end

---In a pack's tests/*.lua only (`mplan pack test`): helpers to build what hooks receive.
---@class mplan.Test
test = {}

---A plan from YAML text (docs/plan-format.md). It becomes the current plan, which strategies may
---change; objects of an earlier plan stop working.
---@param yaml string
---@return mplan.Plan
function test.plan(yaml) end

---A plan from a file in the pack's tests directory (a bare file name).
---@param name string
---@return mplan.Plan
function test.plan_file(name) end

---The pack's params: pack.yaml's defaults with `overrides` checked and applied.
---@param overrides? mplan.Params
---@return mplan.Params
function test.params(overrides) end

---true, or false and the message with which `mplan run` would reject the allocation.
---@param plan mplan.Plan
---@param alloc mplan.Allocation|table<string, number[]>
---@param budget? number        default: plan.allocatable
---@return boolean ok
---@return string? message
function test.check(plan, alloc, budget) end

---Pack tests only: the values mplan.quantile and mplan.quantiles see in this test file, as
---if `mplan segment` read a file with these values in these columns (values that are not
---numbers are left out): `test.quantiles{recency_days = {3, 10, 42}, gmv = {...}}`.
---@param columns table<string, (number|string)[]>
function test.quantiles(columns) end

---Segmenters only: the lower p-quantile (0 <= p <= 1) of a numeric column over the
---non-empty values of the whole file `mplan segment` reads (nil when it has none). The
---first call makes mplan read the file once before segmenting; exact for integers below
---8192, else within 2^-12 relative (docs/segment.md). Not on standard input. In pack tests,
---from test.quantiles.
---@param column string
---@param p number
---@return number|nil
function mplan.quantile(column, p) end

---mplan.quantile for several columns and probabilities in one call (one first pass):
---`{[column] = {q1, q2, ...}}`.
---@param columns string[]
---@param ps number[]
---@return table<string, number[]>
function mplan.quantiles(columns, ps) end
