# Thin wrapper around scripts/ (the scripts do the work; see README).
SHELL := /bin/bash
.PHONY: run stop status test bench asan format clean purge

run:            ## install deps, build, start the stack on 127.0.0.1:8080, stream one demo reply
	@bash scripts/run.sh

stop:           ## stop everything `make run` started (data in .run/ is kept)
	@bash scripts/stack.sh stop

status:
	@bash scripts/stack.sh status

test:           ## build, throwaway stack on separate ports, ctest, teardown
	@bash scripts/test.sh

bench:
	@if [ -f scripts/bench.sh ]; then bash scripts/bench.sh; else echo "no scripts/bench.sh yet" >&2; exit 1; fi

asan:           ## the tests against an ASan+UBSan build (build-asan/)
	@CHAT_BUILD_DIR=$(CURDIR)/build-asan CHAT_CMAKE_ARGS="-DCHAT_SANITIZE=address -DCMAKE_BUILD_TYPE=Debug" bash scripts/test.sh

format:
	@git ls-files '*.cpp' '*.h' '*.hpp' | xargs -r clang-format -i

clean:          ## remove build trees (not the data in .run/)
	rm -rf build build-asan

purge:          ## stop the stack and delete its data (.run/ and its runtime dir)
	@bash scripts/stack.sh purge
