import { REVIEW_USAGE, parseReviewArgs, runReview } from './review/run';

/** `npm run review -- --base <git-ref>`: what a pull request changes in every deployment, with data-loss flags. */
const options = parseReviewArgs(process.argv.slice(2));
if (typeof options === 'string') {
  console.error(`review: ${options}\n${REVIEW_USAGE}`);
  process.exitCode = 2;
} else {
  process.exitCode = runReview(options);
}
