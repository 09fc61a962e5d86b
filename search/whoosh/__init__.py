"""The Whoosh implementation of SearchIndex (search.whoosh.index), one purpose a module.

Nothing is imported here, so no module of the package reaches another through this file; the public
names come from search/__init__.py.
"""
