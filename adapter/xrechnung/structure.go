package xrechnung

import (
	"fmt"
)

// childOrder lists, for the CII D16B elements EN 16931 uses, their child
// elements in schema sequence order (local names; the children of rsm:
// elements are ram:, all others ram: unless noted in leafNS). Elements not
// listed here are not checked for order.
var childOrder = map[string][]string{
	"CrossIndustryInvoice":                             {"ExchangedDocumentContext", "ExchangedDocument", "SupplyChainTradeTransaction"},
	"ExchangedDocumentContext":                         {"TestIndicator", "BusinessProcessSpecifiedDocumentContextParameter", "GuidelineSpecifiedDocumentContextParameter"},
	"BusinessProcessSpecifiedDocumentContextParameter": {"ID"},
	"GuidelineSpecifiedDocumentContextParameter":       {"ID"},
	"ExchangedDocument":                                {"ID", "Name", "TypeCode", "IssueDateTime", "CopyIndicator", "LanguageID", "IncludedNote", "EffectiveSpecifiedPeriod"},
	"IncludedNote":                                     {"ContentCode", "Content", "SubjectCode"},
	"SupplyChainTradeTransaction":                      {"IncludedSupplyChainTradeLineItem", "ApplicableHeaderTradeAgreement", "ApplicableHeaderTradeDelivery", "ApplicableHeaderTradeSettlement"},
	"IncludedSupplyChainTradeLineItem": {"AssociatedDocumentLineDocument", "SpecifiedTradeProduct", "SpecifiedLineTradeAgreement",
		"SpecifiedLineTradeDelivery", "SpecifiedLineTradeSettlement"},
	"AssociatedDocumentLineDocument": {"LineID", "ParentLineID", "LineStatusCode", "LineStatusReasonCode", "IncludedNote"},
	"SpecifiedTradeProduct": {"ID", "GlobalID", "SellerAssignedID", "BuyerAssignedID", "IndustryAssignedID", "ModelID", "Name",
		"Description", "BatchID", "BrandName", "ModelName", "ApplicableProductCharacteristic", "DesignatedProductClassification",
		"IndividualTradeProductInstance", "OriginTradeCountry", "IncludedReferencedProduct"},
	"SpecifiedLineTradeAgreement": {"SellerOrderReferencedDocument", "BuyerOrderReferencedDocument", "QuotationReferencedDocument",
		"ContractReferencedDocument", "AdditionalReferencedDocument", "GrossPriceProductTradePrice", "NetPriceProductTradePrice",
		"UltimateCustomerOrderReferencedDocument"},
	"NetPriceProductTradePrice":   {"ChargeAmount", "BasisQuantity", "AppliedTradeAllowanceCharge", "IncludedTradeTax"},
	"GrossPriceProductTradePrice": {"ChargeAmount", "BasisQuantity", "AppliedTradeAllowanceCharge", "IncludedTradeTax"},
	"SpecifiedLineTradeDelivery":  {"BilledQuantity", "ChargeFreeQuantity", "PackageQuantity", "ShipToTradeParty", "UltimateShipToTradeParty"},
	"SpecifiedLineTradeSettlement": {"ApplicableTradeTax", "BillingSpecifiedPeriod", "SpecifiedTradeAllowanceCharge",
		"SpecifiedTradeSettlementLineMonetarySummation", "InvoiceReferencedDocument", "AdditionalReferencedDocument",
		"ReceivableSpecifiedTradeAccountingAccount"},
	"ApplicableTradeTax": {"CalculatedAmount", "TypeCode", "ExemptionReason", "BasisAmount", "LineTotalBasisAmount",
		"AllowanceChargeBasisAmount", "CategoryCode", "ExemptionReasonCode", "TaxPointDate", "DueDateTypeCode", "RateApplicablePercent"},
	"BillingSpecifiedPeriod": {"StartDateTime", "EndDateTime"},
	"SpecifiedTradeSettlementLineMonetarySummation": {"LineTotalAmount", "ChargeTotalAmount", "AllowanceTotalAmount",
		"TaxBasisTotalAmount", "TaxTotalAmount", "GrandTotalAmount", "TotalPrepaidAmount", "TotalAllowanceChargeAmount", "DuePayableAmount"},
	"ApplicableHeaderTradeAgreement": {"BuyerReference", "SellerTradeParty", "BuyerTradeParty", "SalesAgentTradeParty",
		"BuyerTaxRepresentativeTradeParty", "SellerTaxRepresentativeTradeParty", "ProductEndUserTradeParty", "ApplicableTradeDeliveryTerms",
		"SellerOrderReferencedDocument", "BuyerOrderReferencedDocument", "QuotationReferencedDocument", "ContractReferencedDocument",
		"AdditionalReferencedDocument", "BuyerAgentTradeParty", "SpecifiedProcuringProject", "UltimateCustomerOrderReferencedDocument"},
	"SellerTradeParty":                  tradeParty,
	"BuyerTradeParty":                   tradeParty,
	"SellerTaxRepresentativeTradeParty": tradeParty,
	"ShipToTradeParty":                  tradeParty,
	"PayeeTradeParty":                   tradeParty,
	"DefinedTradeContact": {"ID", "PersonName", "DepartmentName", "TypeCode", "TelephoneUniversalCommunication",
		"DirectTelephoneUniversalCommunication", "MobileTelephoneUniversalCommunication", "FaxUniversalCommunication",
		"EmailURIUniversalCommunication", "TelexUniversalCommunication", "VOIPUniversalCommunication",
		"InstantMessagingUniversalCommunication", "SpecifiedNote", "SpecifiedContactPerson"},
	"PostalTradeAddress":              {"PostcodeCode", "LineOne", "LineTwo", "LineThree", "CityName", "CountryID", "CountrySubDivisionName"},
	"URIUniversalCommunication":       {"URIID", "ChannelCode", "CompleteNumber"},
	"EmailURIUniversalCommunication":  {"URIID"},
	"TelephoneUniversalCommunication": {"CompleteNumber"},
	"SpecifiedTaxRegistration":        {"ID"},
	"ApplicableHeaderTradeDelivery": {"RelatedSupplyChainConsignment", "ShipToTradeParty", "UltimateShipToTradeParty",
		"ShipFromTradeParty", "ActualDeliverySupplyChainEvent", "DespatchAdviceReferencedDocument",
		"ReceivingAdviceReferencedDocument", "DeliveryNoteReferencedDocument"},
	"ApplicableHeaderTradeSettlement": {"CreditorReferenceID", "PaymentReference", "TaxCurrencyCode", "InvoiceCurrencyCode",
		"InvoiceIssuerReference", "InvoicerTradeParty", "InvoiceeTradeParty", "PayeeTradeParty", "PayerTradeParty",
		"TaxApplicableTradeCurrencyExchange", "SpecifiedTradeSettlementPaymentMeans", "ApplicableTradeTax", "BillingSpecifiedPeriod",
		"SpecifiedTradeAllowanceCharge", "SubtotalCalculatedTradeTax", "SpecifiedLogisticsServiceCharge", "SpecifiedTradePaymentTerms",
		"SpecifiedTradeSettlementHeaderMonetarySummation", "InvoiceReferencedDocument", "ReceivableSpecifiedTradeAccountingAccount",
		"SpecifiedAdvancePayment"},
	"SpecifiedTradeSettlementPaymentMeans": {"PaymentChannelCode", "TypeCode", "Information", "ApplicableTradeSettlementFinancialCard",
		"PayerPartyDebtorFinancialAccount", "PayeePartyCreditorFinancialAccount", "PayerSpecifiedDebtorFinancialInstitution",
		"PayeeSpecifiedCreditorFinancialInstitution"},
	"ApplicableTradeSettlementFinancialCard":     {"ID", "TypeCode", "CardholderName", "ExpiryDate"},
	"PayeePartyCreditorFinancialAccount":         {"IBANID", "AccountName", "ProprietaryID"},
	"PayeeSpecifiedCreditorFinancialInstitution": {"BICID"},
	"SpecifiedTradePaymentTerms": {"ID", "FromEventCode", "SettlementPeriodMeasure", "Description", "DueDateDateTime",
		"DirectDebitMandateID", "PartialPaymentPercent", "PaymentMeansID", "PartialPaymentAmount", "ApplicableTradePaymentPenaltyTerms",
		"ApplicableTradePaymentDiscountTerms", "PayeeTradeParty"},
	"SpecifiedTradeSettlementHeaderMonetarySummation": {"LineTotalAmount", "ChargeTotalAmount", "AllowanceTotalAmount",
		"TaxBasisTotalAmount", "TaxTotalAmount", "RoundingAmount", "GrandTotalAmount", "TotalPrepaidAmount", "DuePayableAmount"},
	"InvoiceReferencedDocument": {"IssuerAssignedID", "URIID", "LineID", "TypeCode", "Name", "ReferenceTypeCode", "FormattedIssueDateTime"},
	"IssueDateTime":             {"DateTimeString"},
	"StartDateTime":             {"DateTimeString"},
	"EndDateTime":               {"DateTimeString"},
	"DueDateDateTime":           {"DateTimeString"},
	"FormattedIssueDateTime":    {"DateTimeString"},
}

var tradeParty = []string{"ID", "GlobalID", "Name", "RoleCode", "Description", "SpecifiedLegalOrganization",
	"DefinedTradeContact", "PostalTradeAddress", "URIUniversalCommunication", "SpecifiedTaxRegistration"}

// childNS is the namespace a child must be in when it is not ram:.
var childNS = map[string]string{
	"CrossIndustryInvoice/ExchangedDocumentContext":    NSrsm,
	"CrossIndustryInvoice/ExchangedDocument":           NSrsm,
	"CrossIndustryInvoice/SupplyChainTradeTransaction": NSrsm,
	"IssueDateTime/DateTimeString":                     NSudt,
	"StartDateTime/DateTimeString":                     NSudt,
	"EndDateTime/DateTimeString":                       NSudt,
	"DueDateDateTime/DateTimeString":                   NSudt,
	"FormattedIssueDateTime/DateTimeString":            NSqdt,
}

// checkStructure reports elements in a wrong namespace, unknown children of
// the checked elements and children out of schema order.
func checkStructure(root *node, add func(rule, msg string)) {
	if root.space != NSrsm || root.local != "CrossIndustryInvoice" {
		add("CII-ROOT", fmt.Sprintf("root element is {%s}%s, want rsm:CrossIndustryInvoice", root.space, root.local))
		return
	}
	var walk func(n *node, path string)
	walk = func(n *node, path string) {
		order, checked := childOrder[n.local]
		last := -1
		for _, k := range n.kids {
			kpath := path + "/" + k.local
			want := NSram
			if ns, ok := childNS[n.local+"/"+k.local]; ok {
				want = ns
			}
			if k.space != want && checked {
				add("CII-NS", fmt.Sprintf("%s (line %d) is in namespace %q, want %q", kpath, k.line, k.space, want))
			} else if !checked && k.space != NSram && k.space != NSudt && k.space != NSqdt {
				add("CII-NS", fmt.Sprintf("%s (line %d) is in unknown namespace %q", kpath, k.line, k.space))
			}
			if checked {
				i := indexOf(order, k.local)
				switch {
				case i < 0:
					add("CII-ELEMENT", fmt.Sprintf("%s (line %d) is not an element of %s", kpath, k.line, n.local))
				case i < last:
					add("CII-ORDER", fmt.Sprintf("%s (line %d) must come before %s", kpath, k.line, order[last]))
				default:
					last = i
				}
			}
			walk(k, kpath)
		}
	}
	walk(root, root.local)
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}
