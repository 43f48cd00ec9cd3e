module scalebench.local/router

go 1.25
