import { IdentifierSystem } from '../domain/identifier-systems';

/** Identifier systems the security layer reads and writes: the Dutch ones are the domain's (one list of URIs). */
export const URA_SYSTEM = IdentifierSystem.ura;
export const AGB_SYSTEM = IdentifierSystem.agb;
export const UZI_SYSTEM = IdentifierSystem.uziPerson;
export const BSN_SYSTEM = IdentifierSystem.bsn;
/** A code system (the UZI role codes, e.g. 01.015 huisarts), not an identifier system. */
export const UZI_ROLE_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/uzi-rolcode';
/** The project's canonical base https://meso-zorg.nl/fhir: registered client ids and this service. */
export const CLIENT_ID_SYSTEM = 'https://meso-zorg.nl/fhir/NamingSystem/client-id';
export const SERVICE_SYSTEM = 'https://meso-zorg.nl/fhir/NamingSystem/service';
