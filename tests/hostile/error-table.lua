-- expect 4: tests/hostile/error-table.lua:2: (error object is a table value)
error({code = 42})
