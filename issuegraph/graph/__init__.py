"""Pure functions of stored data: references, the networkx graph, error signatures, clusters."""
