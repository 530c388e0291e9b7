/**
 * Words a query never needs to match (docs/search.md lists them): the common English function words
 * (pronouns, articles, auxiliaries, prepositions, conjunctions, quantifiers) that agents put around what
 * they look for, close to the widely used NLTK list without the negations; and the verbs of asking
 * itself ("add a prefix to …", "change the log level …", "what happens in …"), which describe the
 * request rather than the answer. Not verbs that name things in code or HTTP (get, set, run, handle,
 * create). When a query has nothing but these, they are searched.
 */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being below ' +
    'between both but by can could did do does doing down during each few for from further had has have ' +
    'having he her here hers herself him himself his how i if in into is it its itself just me more most my ' +
    'myself of off on once only or other ought our ours ourselves out over own same she should so some such ' +
    'than that the their theirs them themselves then there these they this those through to too under until ' +
    'up very was we were what when where which while who whom why will with would you your yours yourself ' +
    'yourselves another every one ' +
    'add change find happen happens make need show use using want way'
  ).split(' '),
);
