/**
 * What the store, the route table and the documents know about a FHIR resource type, as data.
 * A definition imports nothing at run time (every bundle may carry every definition): the
 * zod schema joins it only where a module needs it (`{ ...patientDefinition, schema: Patient }`).
 */

/** FHIR R4 search parameter types served here (https://hl7.org/fhir/R4/search.html#ptypes). */
export type SearchParamType = 'token' | 'string' | 'date' | 'reference';

/**
 * How the store serves a parameter:
 * - `blind`: blind-index items (HMAC of the normalized value), one per value;
 * - `words`: a plaintext index of normalized words, prefix-searchable (not PHI);
 * - `clear`: a clear attribute of the head that a table index keys;
 * - `filter`: compared with the decrypted record after the read (never indexed);
 * - `id`: the resource id itself.
 */
export type SearchIndex = 'blind' | 'words' | 'clear' | 'filter' | 'id';

export interface SearchParameter {
  /** The parameter's code, as in the FHIR R4 SearchParameter definition. */
  readonly name: string;
  readonly type: SearchParamType;
  /** The FHIRPath it indexes, from the R4 SearchParameter definition. */
  readonly expression: string;
  readonly index: SearchIndex;
  /** A reference parameter's target types (R4 SearchParameter.target): what `_include` may bring. */
  readonly target?: readonly string[];
}

export interface ResourceDefinition<Type extends string = string> {
  readonly resourceType: Type;
  /** The search parameters served (the route table and the CapabilityStatement list these). */
  readonly searchParameters: readonly SearchParameter[];
  /**
   * Membership of the Patient compartment (R4 CompartmentDefinition "patient"): `self` for
   * the Patient resource, which is the compartment; else the codes of the R4 search
   * parameters whose references make a resource part of a patient's record (served or not);
   * absent for types in none.
   */
  readonly patientCompartment?: 'self' | readonly string[];
  /**
   * The elements kept in clear on the stored items, for keys and indexes. Everything else,
   * and these too, is in the sealed payload: the whole resource is encrypted.
   */
  readonly clear: readonly string[];
}

/**
 * A clinical resource type: in the Patient compartment through one reference element (its
 * patient), kept in that patient's partition sorted by one date (`sortDate`, a date search
 * parameter), searched by decrypting the patient's candidates (every other parameter is a
 * `filter`). The engine serves every such type from this data (shared/store/hooks/clinical.ts).
 */
export interface ClinicalDefinition<Type extends string = string> extends ResourceDefinition<Type> {
  /** The element whose Patient reference puts a resource in the compartment (`subject`, `patient`). */
  readonly patientElement: string;
  /** The date search parameter the patient's partition is sorted by (`_sort=date`). */
  readonly sortDate?: string;
}
