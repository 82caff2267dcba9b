-- expect 4: collectgarbage('stop') is not allowed in rule scripts
collectgarbage('stop')
