module genolake/bench/loadgen

go 1.26
