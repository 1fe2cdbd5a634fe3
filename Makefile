# The README's two commands, for those who have make. Extra pytest arguments:
# make test ARGS="-k healthz"
.PHONY: demo test

demo:
	scripts/demo

test:
	scripts/test $(ARGS)
