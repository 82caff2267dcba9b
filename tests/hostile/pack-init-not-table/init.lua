local M = {}
function M.alloc() end
-- forgot: return M
