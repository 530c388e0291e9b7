/**
 * Words a query never needs to match (docs/search.md lists them): question and filler words that
 * agents put around what they look for. When a query has nothing but these, they are searched.
 */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a an and are as at be been being but by can could did do does doing done for from had has have how i ' +
    'if in into is it its me my of on or our should so that the their them then there these they this those ' +
    'to us was we were what when where which who whom why will with would you your'
  ).split(' '),
);
