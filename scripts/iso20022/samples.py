#!/usr/bin/env python3
"""Writes ISO 20022 messages with an independent implementation, for our readers' tests.

    scripts/iso20022/samples.py SPEC.json OUT.xml

SPEC names the message ("pain.002.001.10" or "camt.053.001.08") and its contents (see the readers'
tests in domain/src/iso20022/). The XML comes from pyiso20022's bindings (generated from ISO's
schemas by xsdata) and xsdata's serializer, installed from PyPI by `scripts/setup.sh test`: none of
it is ours.
"""
import json
import sys
from decimal import Decimal

from xsdata.formats.dataclass.serializers import XmlSerializer
from xsdata.formats.dataclass.serializers.config import SerializerConfig
from xsdata.models.datatype import XmlDate, XmlDateTime


def status_report(spec):
    import pyiso20022.pain.pain_002_001_10.pain_002_001_10 as p

    def transaction(t):
        reasons = []
        if t.get("reason") or t.get("info"):
            reasons.append(p.StatusReasonInformation12(
                rsn=p.StatusReason6Choice(cd=t["reason"]) if t.get("reason") else None,
                addtl_inf=[t["info"]] if t.get("info") else []))
        return p.PaymentTransaction105(
            orgnl_end_to_end_id=t["end_to_end_id"], tx_sts=t["status"], sts_rsn_inf=reasons)

    return "urn:iso:std:iso:20022:tech:xsd:pain.002.001.10", p.Document(
        cstmr_pmt_sts_rpt=p.CustomerPaymentStatusReportV10(
            grp_hdr=p.GroupHeader86(msg_id=spec["msg_id"], cre_dt_tm=XmlDateTime.from_string(spec["created"])),
            orgnl_grp_inf_and_sts=p.OriginalGroupHeader17(
                orgnl_msg_id=spec["original_msg_id"], orgnl_msg_nm_id="pain.001.001.09",
                grp_sts=spec.get("group_status")),
            orgnl_pmt_inf_and_sts=[
                p.OriginalPaymentInstruction32(
                    orgnl_pmt_inf_id=payment["original_pmt_inf_id"],
                    pmt_inf_sts=payment.get("status"),
                    tx_inf_and_sts=[transaction(t) for t in payment["transactions"]])
                for payment in spec["payments"]
            ]))


def statement(spec):
    import pyiso20022.camt.camt_053_001_08.camt_053_001_08 as c

    def amount(value, currency):
        return c.ActiveOrHistoricCurrencyAndAmount(value=Decimal(value), ccy=currency)

    def balance(code, b, currency):
        return c.CashBalance8(
            tp=c.BalanceType13(cd_or_prtry=c.BalanceType10Choice(cd=code)),
            amt=amount(b["amount"], currency), cdt_dbt_ind=c.CreditDebitCode(b["sign"]),
            dt=c.DateAndDateTime2Choice(dt=XmlDate.from_string(b["date"])))

    def entry(e, currency):
        booked = c.DateAndDateTime2Choice(dt=XmlDate.from_string(e["booked"]))
        transactions = list(e.get("transactions", []))
        if e.get("end_to_end_id"):
            transactions.insert(0, {"end_to_end_id": e["end_to_end_id"]})
        details = []
        if transactions:
            details.append(c.EntryDetails9(tx_dtls=[
                c.EntryTransaction10(
                    refs=c.TransactionReferences6(end_to_end_id=t.get("end_to_end_id")),
                    amt=amount(t["amount"], currency) if t.get("amount") else None)
                for t in transactions]))
        status = c.EntryStatus1Choice(prtry=e["status"]) if e.get("proprietary_status") \
            else c.EntryStatus1Choice(cd=e.get("status", "BOOK"))
        return c.ReportEntry10(
            ntry_ref=e["ref"], amt=amount(e["amount"], currency), cdt_dbt_ind=c.CreditDebitCode(e["sign"]),
            rvsl_ind=True if e.get("reversal") else None,
            sts=status, bookg_dt=booked, val_dt=booked,
            bk_tx_cd=c.BankTransactionCodeStructure4(domn=c.BankTransactionCodeStructure5(
                cd="PMNT", fmly=c.BankTransactionCodeStructure6(cd=e.get("family", "ICDT"), sub_fmly_cd="OTHR"))),
            ntry_dtls=details, addtl_ntry_inf=e.get("info"))

    def account(a):
        if "iban" in a:
            return c.AccountIdentification4Choice(iban=a["iban"])
        return c.AccountIdentification4Choice(othr=c.GenericAccountIdentification1(id=a["other"]))

    statements = [
        c.AccountStatement9(
            id=s["id"], elctrnc_seq_nb=Decimal(n + 1),
            acct=c.CashAccount39(id=account(s["account"]), ccy=s["currency"]),
            bal=[balance(s.get("opening_code", "OPBD"), s["opening"], s["currency"]),
                 balance("CLBD", s["closing"], s["currency"])],
            ntry=[entry(e, s["currency"]) for e in s["entries"]])
        for n, s in enumerate(spec["statements"])
    ]
    return "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08", c.Document(
        bk_to_cstmr_stmt=c.BankToCustomerStatementV08(
            grp_hdr=c.GroupHeader81(msg_id=spec["msg_id"], cre_dt_tm=XmlDateTime.from_string(spec["created"])),
            stmt=statements))


def main() -> int:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    writers = {"pain.002.001.10": status_report, "camt.053.001.08": statement}
    namespace, document = writers[spec["message"]](spec)
    xml = XmlSerializer(config=SerializerConfig(indent="  ")).render(document, ns_map={None: namespace})
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        f.write(xml)
    return 0


if __name__ == "__main__":
    sys.exit(main())
