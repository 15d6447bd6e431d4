-- Chroma's defaults always exist. default_database has a fixed id (as in Chroma) so object-store
-- keys under it are stable across environments. Idempotent; the same rows are reseeded by Reset
-- (CatalogRepository.seedDefaults), which must stay in step with this file.
INSERT INTO tenants (name) VALUES ('default_tenant') ON CONFLICT DO NOTHING;
INSERT INTO databases (id, tenant, name)
VALUES ('00000000-0000-0000-0000-000000000000', 'default_tenant', 'default_database')
ON CONFLICT DO NOTHING;
