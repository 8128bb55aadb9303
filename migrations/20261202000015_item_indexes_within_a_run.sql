-- Within a run's partition run_id has one value. As the leading column of an index it made every
-- comparison in the index build's sort tie on it and fall through to the slow, general path.
-- Measured on a 10-million-item partition, one build at a time: (run_id, amount_minor, seq)
-- 14-20 s, (amount_minor, seq) 8 s; (run_id, network, seq) 7.5-10 s, (network, seq) 6 s. Every
-- query of these names its run (`run_id = $1`), which selects the partition before an index is
-- chosen, so the run id in the index bought nothing. The primary key keeps it: a partitioned
-- table's unique keys must include the partition key.
CREATE INDEX recon_item_amount_in_run ON recon_item (amount_minor, seq);
CREATE INDEX recon_item_network_in_run ON recon_item (network, seq);
DROP INDEX recon_item_amount;
DROP INDEX recon_item_network;
