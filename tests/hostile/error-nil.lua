-- expect 4: tests/hostile/error-nil.lua:2: (error object is a nil value)
error(nil)
