-- Item browsing indexes, measured on a 10-million-item day under 50 concurrent users:
-- * a network filter was answered from the class index, skipping every item of the other network
--   first (report order is file by file): 160-250 ms a page for Visa resettlements;
-- * the amount order sorted each page again (the index lacked seq) and PostgreSQL started parallel
--   workers for it: ~11 ms a page.
-- Exceptions (mismatches and resettlements, ~2% of a day) are what associates filter by reason and
-- network, so those indexes cover only them and cost little to build when a run's items load; a
-- network filter over all items has its own full index, which replaces the full (class, reason)
-- index (matches have no reason).
DROP INDEX recon_item_browse;
CREATE INDEX recon_item_exception_reason ON recon_item (run_id, class, reason, seq) WHERE class <> 'match';
CREATE INDEX recon_item_exception_network ON recon_item (run_id, network, class, seq) WHERE class <> 'match';
CREATE INDEX recon_item_network ON recon_item (run_id, network, seq);
DROP INDEX recon_item_amount;
CREATE INDEX recon_item_amount ON recon_item (run_id, amount_minor, seq);
CREATE INDEX recon_item_exception_network_reason ON recon_item (run_id, network, class, reason, seq)
    WHERE class <> 'match';
