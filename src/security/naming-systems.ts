/** Identifier systems the security layer reads and writes (dutch-standards.md §2, plus the project's own). */
export const URA_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/ura';
export const AGB_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/agb-z';
export const UZI_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/uzi-nr-pers';
export const UZI_ROLE_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/uzi-rolcode';
export const BSN_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/bsn';
/** The project's canonical base https://meso-zorg.nl/fhir: registered client ids and this service. */
export const CLIENT_ID_SYSTEM = 'https://meso-zorg.nl/fhir/NamingSystem/client-id';
export const SERVICE_SYSTEM = 'https://meso-zorg.nl/fhir/NamingSystem/service';
