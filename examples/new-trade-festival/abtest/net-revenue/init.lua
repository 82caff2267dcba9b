-- A metric for `mplan abtest analyze --pack net-revenue --metric net_revenue`: each
-- visitor's revenue less what was refunded (less the share of the refund the store keeps).
-- An empty cell reads as nil: no revenue, no refund.
local M = {}

function M.net_revenue(row, params)
  local revenue = row.revenue or 0
  local refund = row[params.refund_column] or 0
  return revenue - refund * (1 - params.fee_kept)
end

return M
