/**
 * Dutch identifier NamingSystem URIs. Use these exact URIs, never the `urn:oid:` form
 * (dutch-standards.md §2; Nictiz zib2020 `resources/zib/terminology/manual/NamingSystem-*`).
 */
export const IdentifierSystem = {
  /** Burgerservicenummer, OID 2.16.840.1.113883.2.4.6.3. */
  bsn: 'http://fhir.nl/fhir/NamingSystem/bsn',
  /** AGB-Z, one system for persons and organisations, OID 2.16.840.1.113883.2.4.6.1. */
  agb: 'http://fhir.nl/fhir/NamingSystem/agb-z',
  /** UZI-register abonneenummer (URA) of an organisation, OID 2.16.528.1.1007.3.3. */
  ura: 'http://fhir.nl/fhir/NamingSystem/ura',
  /** UZI number of a person, OID 2.16.528.1.1007.3.1. */
  uziPerson: 'http://fhir.nl/fhir/NamingSystem/uzi-nr-pers',
  /** UZI number of a system (server certificate), OID 2.16.528.1.1007.3.2. */
  uziSystem: 'http://fhir.nl/fhir/NamingSystem/uzi-nr-sys',
  /** BIG-register number, OID 2.16.528.1.1007.5.1. */
  big: 'http://fhir.nl/fhir/NamingSystem/big',
} as const;

export type IdentifierSystemUri = (typeof IdentifierSystem)[keyof typeof IdentifierSystem];
