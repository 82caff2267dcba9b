-- expect 4: module names are [a-z0-9_] words joined by dots
return require('../../etc/passwd')
