-- How far a running run has got in its longest stage (writing the reports and items), so that the
-- dashboard can follow it live. Updated every quarter of a million records; empty before that stage.
ALTER TABLE recon_run ADD COLUMN items_done bigint, ADD COLUMN items_total bigint;
