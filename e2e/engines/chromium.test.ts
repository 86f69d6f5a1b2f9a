// The cross-engine scenarios in Chromium (Debian's, over CDP with puppeteer-core).
import { runEngine } from './scenarios';
import { launchChromium } from './puppeteer';

runEngine('chromium', launchChromium);
