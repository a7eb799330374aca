"""High availability across nodes: the leader lease (one node runs the call center's ACD work) and
the fence that refuses the writes of a node that lost it. See docs/operations.md, "Two nodes"."""
