-- The help desk's lookup by card, amount and date (issue 20 item 4): a payment's card last four
-- and amount, which no index had, so the question read every payment of the date (the block-range
-- index over the date finds the partition, not the rows): ~1 s on a ten-million-payment day.
-- Amount first: an 8-byte integer compares in one instruction and is the more selective of the
-- two (a last four is one of 10,000 values; an amount to the cent, of many more). The date needs
-- no column here: a partition holds one Zelle extract, whose payments are of its date.
CREATE INDEX zelle_payment_by_amount_card ON zelle_payment (amount_minor, card_last4);
