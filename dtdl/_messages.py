"""Plain-words cause and action for each validation code (our own wording)."""

from __future__ import annotations

from dtdl._hints import hint

NOT_JSON = "not valid JSON: "
"""How the value of a ``notJsonObject`` finding begins when the text is not JSON at all."""

_MESSAGES: dict[str, tuple[str, str]] = {
    "notJsonObject": (
        "{doc} is not a JSON object or an array of JSON objects{value_s}.",
        "Give each model as a JSON object, or several as a JSON array of objects.",
    ),
    "notJsonSyntax": (
        "{doc} is not valid JSON: {detail}.",
        "Correct the JSON at this line and column; the usual causes are a missing or extra "
        "comma, an unclosed bracket, brace or quote, and a name without double quotes.",
    ),
    "missingContext": (
        "{doc} has a top-level element with no '@context'.",
        'Add "@context": "dtmi:dtdl:context;3" to the top-level element.',
    ),
    "missingTopLevelId": (
        "A top-level element has no '@id'.",
        "Give the Interface an '@id' such as \"dtmi:com:example:Thing;1\".",
    ),
    "typeNotRootable": (
        "Top-level element {value} does not have @type Interface.",
        'Only Interfaces may be top-level elements; set "@type": "Interface".',
    ),
    "invalidContext": (
        "'@context' has a value that is not a string or an array of strings.",
        "Give '@context' as \"dtmi:dtdl:context;3\" or an array starting with it.",
    ),
    "emptyContext": ("'@context' is empty.", "Put \"dtmi:dtdl:context;3\" in '@context'."),
    "missingDtdlContext": (
        "'@context' does not start with a DTDL context specifier.",
        "Make \"dtmi:dtdl:context;3\" (or ;2) the first '@context' entry.",
    ),
    "dtdlContextFollowsAffiliate": (
        "'@context' lists DTDL context '{value}' after an extension.",
        "Move the DTDL context to the start of the '@context' array.",
    ),
    "disallowedLocalContext": (
        "'@context' holds a local term-definition object.",
        "Use only context specifier strings; DTDL allows no local terms.",
    ),
    "unresolvableContextSpecifier": (
        "'@context' value '{value}' is not a known context.",
        "Remove it, or use a DTDL extension context this parser knows.",
    ),
    "unresolvableContextVersion": (
        "'@context' value '{value}' names an unknown version.",
        "Use a version of the extension that exists.",
    ),
    "unrecognizedContextVersion": (
        "'@context' value '{value}' names an unknown DTDL version.",
        'Use "dtmi:dtdl:context;3" or "dtmi:dtdl:context;2".',
    ),
    "disallowedContextVersion": (
        "'@context' value '{value}' exceeds the maximum DTDL version.",
        "Use a DTDL version no higher than the configured maximum.",
    ),
    "invalidContextSpecifierForVersion": (
        "'@context' value '{value}' cannot be used with this DTDL version.",
        "Use an extension made for this DTDL version, or change the DTDL version.",
    ),
    "nonDtmiContextSpecifier": (
        "'@context' value '{value}' is not a DTMI.",
        'Give context specifiers as DTMIs such as "dtmi:dtdl:context;3".',
    ),
    "invalidContextSpecifier": (
        "'@context' value '{value}' is not a valid DTMI.",
        "Correct the context specifier.",
    ),
    "missingContextVersion": (
        "'@context' value '{value}' has no version number.",
        'Add the version, as in "dtmi:dtdl:context;3".',
    ),
    "disallowedContextFragment": (
        "'@context' value '{value}' has a '#' fragment.",
        "Remove the fragment; DTDL v3 allows none.",
    ),
    "disallowedVersionDefinition": (
        "{primary} property '{prop}' switches to DTDL version {value}.",
        "Keep one DTDL version within an element and its children.",
    ),
    "invalidId": (
        "Identifier '{value}' is not a valid DTMI for DTDL v{version}.",
        "Use dtmi:<segment>(:<segment>)*;<version>, segments starting with a letter.",
    ),
    "idTooLong": ("Identifier '{value}' is longer than {limit} characters.", "Shorten it."),
    "idTooLongForType": (
        "Identifier '{value}' is longer than {limit} characters, the limit for an Interface.",
        "Shorten the Interface's '@id'.",
    ),
    "reservedId": (
        "Identifier '{value}' starts with {expected}, a prefix reserved by {reserved_by}.",
        "Choose an identifier that does not start with {expected}.",
    ),
    "disallowedIdFragment": ("Identifier '{value}' has a '#' fragment.", "Remove the fragment."),
    "idNotString": ("'@id' is empty or not a string.", "Give '@id' as a DTMI string."),
    "duplicateDefinition": (
        "{primary} is defined more than once; the first definition is {first}.",
        "Give each element a unique '@id', or remove the extra definition.",
    ),
    "duplicatePropertyName": (
        "{primary} has key '{prop}' more than once.",
        "Keep one occurrence of each key in a JSON object.",
    ),
    "idRefBadDtmiOrTerm": (
        "{primary} property '{prop}' holds an object whose only '@id' is not a DTMI or term.",
        "Refer to the element by its DTMI string.",
    ),
    "idReference": (
        "{primary} property '{prop}' holds an object with nothing but an '@id'.",
        "Refer to the element by its DTMI string, or give its full definition.",
    ),
    "missingObjectProperty": (
        "{primary} has no '{prop}', which is required.",
        "Add property '{prop}'.",
    ),
    "missingLiteralProperty": (
        "{primary} has no '{prop}', which is required.",
        "Add property '{prop}'.",
    ),
    "missingRequiredId": (
        "{primary} property '{prop}' has an element with no '@id'.",
        "Give the element in '{prop}' an '@id'.",
    ),
    "badType": (
        "{primary} property '{prop}' has a value{secondary_s}{value_q} of the wrong type.",
        "Give the value the @type that '{prop}' expects ({expected}).{allowed_s}",
    ),
    "multipleMaterialTypes": (
        "{primary} has more than one DTDL class in @type: {value}.",
        "Keep exactly one DTDL class in @type.",
    ),
    "typeUndefinedTerm": (
        "{primary} has @type '{value}', which is not defined in DTDL v{version}.",
        "Correct the spelling, or add the extension context that defines it.",
    ),
    "typeInvalidDtmi": (
        "{primary} has @type '{value}', which is an invalid DTMI.",
        "Correct the type.",
    ),
    "typeNotDtmiNorTerm": (
        "{primary} has @type '{value}', an IRI that is not a DTMI.",
        "Use a DTDL type term.",
    ),
    "typeIrrelevantDtmiOrTerm": (
        "{primary} has @type '{value}', which is not a DTDL type.",
        "Use a DTDL class or an extension co-type.",
    ),
    "propertyUndefinedTerm": (
        "{primary} has property '{prop}', which is not defined in DTDL v{version}.",
        "Remove it or correct its spelling.",
    ),
    "propertyInvalidDtmi": (
        "{primary} has property '{prop}', which is an invalid DTMI.",
        "Remove or correct the property.",
    ),
    "propertyNotDtmiNorTerm": (
        "{primary} has property '{prop}', an IRI that is not a DTMI.",
        "Remove the property.",
    ),
    "propertyIrrelevantDtmiOrTerm": (
        "{primary} has property '{prop}', which no type of the element defines.",
        "Remove the property.",
    ),
    "noTypeThatAllows": (
        "{primary} has property '{prop}', which none of its types allows.",
        "Remove '{prop}', or add the co-type that defines it.",
    ),
    "inferredTypeDoesNotAllow": (
        "{primary} has property '{prop}', which its inferred type does not allow.",
        "Remove '{prop}', or give an explicit @type.",
    ),
    "invalidCotype": (
        "{primary} has co-type {value}, which cannot be applied to its DTDL class.",
        "Remove the co-type or move it to an element it applies to.",
    ),
    "invalidCotypeVersion": (
        "{primary} has co-type {value} from an extension not usable with DTDL v{version}.",
        "Use an extension version made for this DTDL.",
    ),
    "missingCocotype": (
        "{primary} has co-type {value}, which needs co-type {expected} as well.",
        "Add the co-type {expected}.",
    ),
    "conflictingSupplementalTypes": (
        "{primary} has two semantic types that both add '{prop}'.",
        "Keep one semantic type.",
    ),
    "missingSupplementalLiteralProperty": (
        "{primary} has co-type {value}, which requires property '{prop}'.",
        "Add property '{prop}'.",
    ),
    "missingSupplementalObjectProperty": (
        "{primary} has co-type {value}, which requires property '{prop}'.",
        "Add property '{prop}'.",
    ),
    "objectMultipleValues": (
        "{primary} property '{prop}' has several values, but one is allowed.",
        "Keep a single value.",
    ),
    "stringMultipleValues": (
        "{primary} property '{prop}' has several values, but one is allowed.",
        "Keep a single value.",
    ),
    "booleanMultipleValues": (
        "{primary} property '{prop}' has several values; one is allowed.",
        "Keep a single value.",
    ),
    "integerMultipleValues": (
        "{primary} property '{prop}' has several values; one is allowed.",
        "Keep a single value.",
    ),
    "objectCountBelowMin": (
        "{primary} property '{prop}' has too few valid values.",
        "Give '{prop}' at least {limit} valid value(s).",
    ),
    "objectCountAboveMax": (
        "{primary} property '{prop}' has more than {limit} values.",
        "Reduce '{prop}' to at most {limit} values.",
    ),
    "stringNotString": (
        "{primary} property '{prop}' is not a JSON string.",
        "Give '{prop}' a string value.",
    ),
    "stringTooLong": (
        "{primary} property '{prop}' is longer than {limit} characters.",
        "Shorten '{prop}'.",
    ),
    "stringInvalid": (
        "{primary} property '{prop}' has invalid value '{value}'.",
        "Give '{prop}' a value that matches the required syntax.",
    ),
    "booleanNotBoolean": (
        "{primary} property '{prop}' is not true or false.",
        "Give '{prop}' a JSON boolean.",
    ),
    "integerNotInteger": (
        "{primary} property '{prop}' is not a JSON integer.",
        "Give '{prop}' an integer.",
    ),
    "valueBelowMin": (
        "{primary} property '{prop}' is {value}, below the minimum {limit}.",
        "Give '{prop}' a value of at least {limit}.",
    ),
    "valueAboveMax": (
        "{primary} property '{prop}' is {value}, above the maximum {limit}.",
        "Give '{prop}' a value of at most {limit}.",
    ),
    "valueNotExact": (
        "{primary} property '{prop}' is {value}, but it must be {limit}.",
        "Set '{prop}' to {limit} or leave it out.",
    ),
    "nonUniquePropertyValue": (
        "{primary} property '{prop}' has more than one element named '{value}'.",
        "Give each element of '{prop}' a unique name.",
    ),
    "nonUniqueImportedPropertyValue": (
        "{primary} gets two contents named '{value}' through extends.",
        "Rename one of the contents.",
    ),
    "excessiveDepthNarrow": (
        "{primary} has an 'extends' chain deeper than {limit} levels.",
        "Flatten the inheritance hierarchy.",
    ),
    "excessiveDepthWide": (
        "{primary} nests complex schemas deeper than {limit} levels.",
        "Reduce the nesting of Arrays, Maps and Objects.",
    ),
    "recursiveStructureNarrow": (
        "{primary} is at the root of a chain of '{prop}' values that leads back to "
        "it{value_chain}.",
        "Change one '{prop}' value in the chain so that it no longer leads back.",
    ),
    "recursiveStructureWide": (
        "{primary} contains itself, directly or indirectly.",
        "Remove the self-reference from the schema.",
    ),
    "excludedType": (
        "{primary} contains {a_expected}{secondary_in}, which is not allowed there.",
        "Remove the {expected} from this position.",
    ),
    "crossPartitionReference": (
        "{primary} property '{prop}' refers to {secondary}, defined inside another Interface.",
        "Define the element in this Interface, or refer only to Interfaces across Interfaces.",
    ),
    "partitionTooLarge": (
        "The JSON text of {primary} is {value} bytes, more than {limit}.",
        "Split the Interface, e.g. move contents to an extended Interface.",
    ),
    "keywordDisallowed": (
        "{primary} property '{prop}' has a value with keyword '{value}'.",
        "Remove '{value}'; DTDL v3 allows only @context, @id and @type.",
    ),
    "topLevelKeywordDisallowed": (
        "The top-level element has keyword '{value}'.",
        "Remove '{value}'.",
    ),
    "graphDisallowed": ("{primary} property '{prop}' has a value with '@graph'.", "Remove it."),
    "topLevelGraphDisallowed": ("The top-level element has '@graph'.", "Remove '@graph'."),
    "langStringValueTooLong": (
        "{primary} property '{prop}' is longer than {limit} characters.",
        "Shorten '{prop}'.",
    ),
    "langStringInvalidCode": (
        "{primary} property '{prop}' has invalid language code '{value}'.",
        "Use a language tag such as 'en' or 'de-CH'.",
    ),
    "refNotStringOrObject": (
        "{primary} property '{prop}' is neither a DTMI string nor an object.",
        "Give a DTMI or term string, or an inline definition.",
    ),
    "refObjectNotAllowed": (
        "{primary} property '{prop}' has an inline object.",
        "Give a DTMI string instead.",
    ),
    "badDtmiOrTerm": (
        "{primary} property '{prop}' has value '{value}', which is neither a DTMI nor a DTDL term.",
        "Use a valid DTMI or a DTDL term.{allowed_s}",
    ),
    "nonConformantDatatype": (
        "{primary} property '{prop}' has value '{value}', but the Enum's valueSchema is "
        "'{expected}'.",
        "Give every enumValue the type of the Enum's valueSchema ('{expected}'), or change "
        "the valueSchema (integer or string).",
    ),
    "disallowedVersionReference": (
        "{primary} property '{prop}' refers to {secondary}, defined in DTDL v{value}.",
        "A DTDL v2 element may refer only to v2.",
    ),
    "unresolvedIdentifier": (
        "{primary} is referenced but defined nowhere.",
        "Add the model that defines it, or give a resolver that finds it.",
    ),
    "missingDtmiSegPropertyValue": (
        "{primary} property '{prop}' has an element with no '{value}', so it cannot be identified.",
        "Give the element a 'name' (or an '@id').",
    ),
    "valueBelowRange": (
        "{primary} property '{prop}' is {value}, below the allowed minimum {limit}.",
        "Increase '{prop}' to at least {limit}.",
    ),
    "valueAboveRange": (
        "{primary} property '{prop}' is {value}, above the allowed maximum {limit}.",
        "Decrease '{prop}' to at most {limit}.",
    ),
    "wrongParent": (
        "{primary} property '{prop}' has value '{value}', which is not {a_expected}.",
        "Use a unit of {expected} for '{prop}' ({allowed}), or change the semantic type.",
    ),
    "incorrectPropertyValue": (
        "{primary} property '{prop}' has value '{value}', which is not allowed here.",
        "Use one of the values '{prop}' allows: {allowed}.",
    ),
    "notRequiredValue": (
        "{primary} property '{prop}' refers to{secondary_s}, which its co-type does not allow.",
        "Change '{prop}' to one of the values the co-type allows: {expected}.",
    ),
    "abstractSupplementalType": (
        "{primary} has co-type '{value}', which is abstract and cannot be used directly.",
        "Use one of the concrete co-types derived from '{value}'.",
    ),
    "disallowedCocotype": (
        "{primary} has co-type {value} together with {expected}, which it may not be combined "
        "with.",
        "Remove one of the two co-types.",
    ),
    "parentMissingCotype": (
        "{primary} has co-type {value}, but the element holding it in '{prop}' has no co-type "
        "{expected}.",
        "Add the co-type {expected} to the enclosing element, or remove {value}.",
    ),
    "siblingDuplicatesCotype": (
        "{primary} has co-type {value}, and so does its sibling{secondary_s}.",
        "Keep co-type {value} on one element of '{prop}' only.",
    ),
    "dtmiSegPropertyNotStringOrNumber": (
        "{primary} property '{prop}' has an element whose '{value}' is not a string or a "
        "number, so it cannot be identified.",
        "Give the element a string 'name' (or an '@id').",
    ),
    "notRequiredType": (
        "{primary} property '{prop}' refers to{secondary_s}, which is not {a_expected}.",
        "Change '{prop}' to {a_expected}, or remove the co-type that requires it.",
    ),
    "notSiblingRequiredType": (
        "{primary} annotates '{value}', which is not {a_expected}.",
        "Make 'annotates' name a Property or Telemetry in the same contents.",
    ),
    "disallowedType": (
        "{primary} annotates '{value}', which is itself {a_expected}.",
        "Annotate the Property or Telemetry itself, not another annotation.",
    ),
    "matchingPropertyNotSupplemental": (
        "{primary} overrides '{expected}' of '{value}', a core property that cannot be overridden.",
        "Override an extension property (such as 'unit') instead.",
    ),
    "noMatchingSupplementalProperty": (
        "{primary} overrides '{expected}', but '{value}' has no co-type that adds it.",
        "Give '{value}' the co-type that defines '{expected}', or override another property.",
    ),
    "siblingPropertyMismatch": (
        "{primary} has schema '{value}', which does not fit the overridden property ({expected}).",
        "Set the schema to {expected}.",
    ),
    "multipleReference": (
        "{primary} has more than one element overriding the same property of '{value}'.",
        "Keep one overriding element per property.",
    ),
    "undefinedReservedId": (
        "{primary} property '{prop}' refers to{secondary_s}, which has a reserved prefix but "
        "is not defined.",
        "Correct the identifier, or add the extension context that defines it.",
    ),
    "excessiveCount": (
        "{primary} has more than {limit} Interfaces in its 'extends' hierarchy.",
        "Reduce the inheritance hierarchy.",
    ),
    "identifierNotDtmi": (
        "{primary} property '{prop}' has value '{value}', which is not a DTMI.",
        "Give '{prop}' a DTMI such as \"dtmi:com:example:Thing;1\".",
    ),
    "identifierTooLong": (
        "{primary} property '{prop}' has a DTMI longer than {limit} characters.",
        "Shorten the identifier.",
    ),
    "identifierInvalid": (
        "{primary} property '{prop}' has value '{value}', which is not a valid user DTMI.",
        "Use a DTMI whose segments start with a letter, with a version for DTDL v2.",
    ),
    "propertyValueNull": (
        "{primary} property '{prop}' is null.",
        "Give '{prop}' a value or leave it out.",
    ),
    "durationInvalid": (
        "{primary} property '{prop}' has value '{value}', which is not an ISO 8601 duration.",
        'Write a duration such as "PT30S" or "P1DT2H".',
    ),
    "literalNotValid": (
        "{primary} property '{prop}' is not a JSON string, integer or boolean.",
        "Give '{prop}' a string or integer value.",
    ),
    # recommendations (warnings)
    "preferTerm": (
        "{primary} uses the IRI '{value}' where the term '{expected}' means the same.",
        "Write the term '{expected}'; it is shorter and reads better.",
    ),
    "duplicateType": (
        "{primary} lists @type '{value}' more than once.",
        "List each type once.",
    ),
    "ignoredKeyword": (
        "{primary} has keyword '{value}', which DTDL v2 ignores here.",
        "Remove '{value}'; DTDL v3 rejects it.",
    ),
    "repeatedContext": (
        "'@context' lists '{value}' more than once, or more than one DTDL context.",
        "Give one DTDL context and each extension context once.",
    ),
    "untypedValueObject": (
        "{primary} property '{prop}' is a value object without '@type'.",
        "Write the plain value, or give the value object its '@type'.",
    ),
    "extraValueObjectKey": (
        "{primary} property '{prop}' value object has '{value}' besides '@value' and '@type'.",
        "Keep only '@value' and '@type' in the value object.",
    ),
    "missingLanguage": (
        "{primary} property '{prop}' has a localised value without '@language'.",
        "Give each localised value a '@language', such as \"en\".",
    ),
    "langTagValueInLangMap": (
        "{primary} property '{prop}' is a language-tagged value object where a language map is "
        "expected.",
        'Write {{"en": "text"}}, or put the tagged object in an array.',
    ),
    "literalTypeNotSingular": (
        "{primary} property '{prop}' is a value object whose '@type' lists several types.",
        "Give the value object a single '@type', or write the plain value.",
    ),
    "badTypeTop": (
        "Element{secondary_s} has no DTDL type that is allowed here ({expected}).",
        'Give it "@type": "{expected}".',
    ),
    "internalError": ("The validator failed on this input: {value}.", "Report this as a bug."),
}

_FAMILIES = {
    "string": "a string",
    "boolean": "true or false",
    "integer": "an integer",
    "duration": "an ISO 8601 duration string",
    "identifier": "a DTMI string",
    "object": "a single value",
    "literal": "a string or an integer",
}
_SUFFIXES = {
    "MultipleValues": (
        "{primary} property '{prop}' has several values, but only one is allowed.",
        "Keep a single value for '{prop}'.",
    ),
    "CountBelowMin": (
        "{primary} property '{prop}' has fewer values than required ({limit}).",
        "Give '{prop}' at least {limit} value(s).",
    ),
    "ObjectNoValue": (
        "{primary} property '{prop}' is an object without '@value'.",
        "Give '{prop}' a plain value, or a value object with '@value'.",
    ),
    "NotString": ("{primary} property '{prop}' is not a JSON string.", "Give '{prop}' {kind}."),
    "NotBoolean": ("{primary} property '{prop}' is not true or false.", "Give '{prop}' {kind}."),
    "NotInteger": ("{primary} property '{prop}' is not a JSON integer.", "Give '{prop}' {kind}."),
}
_PREFIXES = {
    "valueObject": (
        "{primary} property '{prop}' is a value object with '{value}', which a value object "
        "may not hold.",
        "Keep only '@value' (and '@type') in the value object.",
    ),
    "langString": (
        "{primary} property '{prop}' is not a valid localised string{value_s}.",
        'Give \'{prop}\' a string, a map of language tags ("en", "de-CH") to strings, or an '
        'array of {{"@value", "@language"}} objects.',
    ),
    "langMap": (
        "{primary} property '{prop}' is a language map with key '{value}'.",
        "Use only language tags such as \"en\" as keys of '{prop}'.",
    ),
}

_DEFAULT = (
    "{primary} property '{prop}' breaks rule '{code}'{value_s}.",
    "See the DTDL specification for rule '{code}'.",
)


class _Fields(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def render(code: str, fields: dict[str, str | None]) -> tuple[str, str]:
    """Cause and action for ``code`` filled with ``fields`` (missing fields render empty)."""
    if code == "badType" and not fields.get("prop"):
        code = "badTypeTop"
    value = fields.get("value") or ""
    if code == "notJsonObject" and value.startswith(NOT_JSON):
        code, fields = "notJsonSyntax", {**fields, "detail": value.removeprefix(NOT_JSON)}
    cause, action = _lookup(code)
    data = _Fields({k: v for k, v in fields.items() if v is not None})
    data.setdefault("primary", "An element")
    data.setdefault("prop", "")
    data["code"] = code
    if data.get("value"):
        data["value_s"] = f" (value '{data['value']}')"
        data["value_q"] = f" '{data['value']}'"
        data["value_chain"] = f": {data['value']}"
    data.setdefault("kind", _FAMILIES.get(_family(code), "a valid value"))
    if data.get("secondary"):
        data["secondary_s"] = f" {data['secondary']}"
        data["secondary_in"] = f" ({data['secondary']})"
    if data.get("allowed"):
        data["allowed_s"] = f" '{data['prop']}' takes {data['allowed']}."
    if data.get("expected"):
        data["a_expected"] = with_article(data["expected"])
    action = action.format_map(data)
    extra = hint(code, fields.get("prop"), fields.get("value"), fields.get("version"))
    if extra:
        action = f"{action} {extra}"
    return cause.format_map(data), action


def with_article(noun: str) -> str:
    """``noun`` after "a" or "an" as it is spoken: an Array, an Interface, a Unit, a Map."""
    spoken = noun.lstrip("'\"").lower()  # a quoted name is spoken without its quotes
    first = spoken[:1]
    vowel = first in "aeio" or (first == "u" and not spoken.startswith(("uni", "use", "usa")))
    return f"an {noun}" if vowel else f"a {noun}"


def _family(code: str) -> str:
    for family in _FAMILIES:
        if code.startswith(family):
            return family
    return ""


def _lookup(code: str) -> tuple[str, str]:
    found = _MESSAGES.get(code)
    if found is not None:
        return found
    for suffix, pair in _SUFFIXES.items():
        if code.endswith(suffix):
            return pair
    for prefix, pair in _PREFIXES.items():
        if code.startswith(prefix):
            return pair
    return _DEFAULT
