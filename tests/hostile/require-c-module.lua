-- expect 4: module 'io' not found
return require('io')
