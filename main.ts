import { main } from './stacks/app';

main();
