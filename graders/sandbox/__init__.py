"""Where student code runs: a forked, confined worker per component (see DESIGN.md §4).

The grading process talks to workers through `client.Sandbox`; nothing but plain data
(`wire`) crosses the boundary in either direction.
"""
