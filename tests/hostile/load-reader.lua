-- expect 4: rule scripts load text chunks only
-- a reader function could swallow errors: only strings are taken
return load(function() return nil end)
