-- RFM segmentation of buyers (docs/model.md section 8).
--
-- Scores 1..5, 5 best: R from the days since the last order (fewer is better), F from the
-- number of orders, M from the money spent. Each score compares the value with the
-- column's quintile edges e1..e4 (its 20%, 40%, 60% and 80% quantiles over the buyers of
-- the file): at or below e1 is the lowest fifth, above e4 the highest. The edges come from
-- mplan.quantile, which makes mplan read the file once more before segmenting (exact for
-- day and order counts, within 0.025% for money: docs/segment.md), or from params.
--
-- Groups, checked in this order:
--   champions    R >= 4, F >= 4, M >= 4   bought recently, often, and for much
--   loyal        F >= 4, R >= 3           buy often, still active
--   potential    R >= 3                   recent, not (yet) frequent
--   at risk      F >= 3 (R <= 2)          used to buy often, quiet for a while
--   hibernating  R == 2                   quiet, never frequent
--   lost         R == 1                   longest gone, never frequent
-- Customers with no order (empty recency) are "no purchase". Text where a number belongs
-- (n/a, -, N/A, 空) counts as empty: no recency is "no purchase", no orders or money score 1. The score returned beside the
-- label is the RFM cell R*100 + F*10 + M (555 best; 0 for no purchase).
local score = require("score")
local M = {}

local QUINTILES = {0.2, 0.4, 0.6, 0.8}

-- The edges of a run, worked out on its first row: params and the file do not change
-- between rows (a new params table means a new run).
local edges, edges_for

local function edges_of(params)
  if edges_for == params then return edges end
  local given = {r = params.r_edges, f = params.f_edges, m = params.m_edges}
  local column = {r = params.recency, f = params.frequency, m = params.monetary}
  local wanted = {}
  for _, k in ipairs({"r", "f", "m"}) do
    if given[k] == "" then wanted[#wanted + 1] = column[k] end
  end
  -- One call for every column taken from the data, so they share one first pass.
  local q = #wanted > 0 and mplan.quantiles(wanted, QUINTILES) or {}
  edges = {}
  for _, k in ipairs({"r", "f", "m"}) do
    if given[k] ~= "" then
      edges[k] = score.parse_edges(given[k], k .. "_edges")
    elseif #q[column[k]] < 4 then
      error(string.format("column '%s' has no numbers to take quintiles of", column[k]), 0)
    else
      edges[k] = q[column[k]]
    end
  end
  edges_for = params
  if params.log_edges then
    for _, k in ipairs({"r", "f", "m"}) do
      mplan.log("%s_edges=%s", k, table.concat(edges[k], ","))
    end
  end
  return edges
end

-- The number in a field, or nil for an empty field or text.
local function num(v)
  if math.type(v) then return v end
  return nil
end

function M.group(row, params)
  local recency = num(row[params.recency])
  if recency == nil then
    return "no purchase", 0
  end
  local e = edges_of(params)
  local r = 6 - score.score(recency, e.r)
  local f = score.score(num(row[params.frequency]) or 0, e.f)
  local m = score.score(num(row[params.monetary]) or 0, e.m)
  return score.name(r, f, m), r * 100 + f * 10 + m
end

return M
