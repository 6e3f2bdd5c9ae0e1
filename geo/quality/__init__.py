"""Data quality: what is wrong with the stored data, one fix list per problem.

Each list is a table a data owner downloads, fixes and imports again: customer lists carry
the customer file's own columns (customer_id, name, kind, lat, lon, postcode, email, owner)
followed by ``_reason`` and ``_detail``, which an import ignores (like a rejects file's).
"""
