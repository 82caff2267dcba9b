-- A fit_transform for `mplan fit HISTORY.csv --pack drop-stockouts`: a week the shelves were
-- empty sold little whatever was spent, and would teach the fit that spend does nothing.
-- Such a period (GMV below min_share of the median period's, all channels together) is
-- dropped, and the periods after it move up, so the history stays 1, 2, ... without a gap.
-- Works on both history shapes (period,gmv,<channel>... and period,channel,spend,gmv,...).
local M = {}

local function median(xs)
  local s = {}
  for i, x in ipairs(xs) do s[i] = x end
  table.sort(s)
  local n = #s
  if n % 2 == 1 then return s[(n + 1) / 2] end
  return (s[n / 2] + s[n / 2 + 1]) / 2
end

function M.drop_stockouts(history, params)
  local gmv, order = {}, {}
  for _, row in ipairs(history) do
    if math.type(row.period) ~= "integer" then
      error("drop-stockouts renumbers periods: give them as numbers (1, 2, ...), not dates")
    end
    if row.gmv == nil then error("drop-stockouts needs a gmv column") end
    if gmv[row.period] == nil then
      gmv[row.period] = 0
      order[#order + 1] = row.period
    end
    gmv[row.period] = gmv[row.period] + row.gmv
  end
  local totals = {}
  for i, p in ipairs(order) do totals[i] = gmv[p] end
  local floor = params.min_share * median(totals)
  table.sort(order)
  local renumber, n = {}, 0
  for _, p in ipairs(order) do
    if gmv[p] >= floor then
      n = n + 1
      renumber[p] = n
    else
      mplan.log("period %d: GMV %.0f is below %.0f: a stock-out, dropped", p, gmv[p], floor)
    end
  end
  local kept = {}
  for _, row in ipairs(history) do
    if renumber[row.period] then
      row.period = renumber[row.period]
      kept[#kept + 1] = row
    end
  end
  return kept
end

return M
